/* Internal alias: library code includes this to reach the heap hooks. */
#ifndef CGRPC_SRC_BASE_ALLOC_H
#define CGRPC_SRC_BASE_ALLOC_H
#include "cgrpc/alloc.h"
#endif
