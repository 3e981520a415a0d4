/* overlap.h - umbrella header of liboverlap: finds reused passages between documents. */
#ifndef OVERLAP_H
#define OVERLAP_H

#include "overlap/common.h"
#include "overlap/decode.h"
#include "overlap/normalize.h"
#include "overlap/segment.h"
#include "overlap/doc.h"
#include "overlap/align.h"
#include "overlap/report.h"
#include "overlap/shingle.h"
#include "overlap/minhash.h"
#include "overlap/lsh.h"
#include "overlap/fingerprint.h"
#include "overlap/finder.h"
#include "overlap/index.h"
#include "overlap/corpus.h"
#include "overlap/jsonl.h"
#include "overlap/scan.h"
#include "overlap/dedup.h"
#include "overlap/check.h"
#include "overlap/ignore.h"

#endif
