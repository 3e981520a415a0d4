/* groups.h - the group ids of a rank's share, numbered over the ranks from their group keys (no rank holding every document's id); not installed. */
#ifndef OVL_MPI_GROUPS_H
#define OVL_MPI_GROUPS_H

#include "run.h"

/* ids[k] (cnt entries): the group id of the share's document k, from keys[k] (a string, NULL
 * for none: id -1). Equal keys get equal ids on every rank, other keys other ids: each
 * distinct key of a share goes to the rank its hash picks, which numbers the distinct keys
 * it gets (after those of the ranks before it) and sends the numbers back. *held: the most
 * ids and keys this rank held at once (its share's ids, its distinct keys, those it
 * numbered). Collective; every rank returns the same code. */
int ovl__mpi_group_ids(mpi_run *m, const char *const *keys, size_t cnt, int32_t *ids, uint64_t *held);

#endif
