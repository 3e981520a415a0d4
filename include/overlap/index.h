/* overlap/index.h - persistent corpus index on SQLite (being written). */
#ifndef OVERLAP_INDEX_H
#define OVERLAP_INDEX_H
#include "overlap/fingerprint.h"
#endif
