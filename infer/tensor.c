/* tensor.c: tensors: element sizes, shapes, data allocation (large blocks
 * mapped from the system), shape text. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"

size_t ci_tensor_elem_size(int dtype)
{
    return dtype == CXRINFER_INT64 ? 8 : 4;
}

int ci_tensor_set_shape(ci_tensor *tensor, int rank, const int64_t *dims)
{
    size_t count = 1;
    if (rank < 0 || rank > CXRINFER_MAX_RANK)
        return -1;
    for (int i = 0; i < rank; i++) {
        if (dims[i] < 0 || dims[i] > ((int64_t)1 << 40))
            return -1;
        if (dims[i] && count > ((size_t)1 << 40) / (size_t)dims[i])
            return -1;
        count *= (size_t)dims[i];
        tensor->dims[i] = dims[i];
    }
    tensor->rank = rank;
    tensor->count = count;
    return 0;
}

void *ci_block_alloc(size_t bytes)
{
    if (bytes < CI_BLOCK_MIN) {
        void *small = NULL;
        size_t rounded = (bytes + 63) / 64 * 64;
        if (posix_memalign(&small, 64, rounded ? rounded : 64))
            return NULL;
        memset(small, 0, rounded ? rounded : 64);
        return small;
    }
    void *block = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (block == MAP_FAILED)
        return NULL;
#ifdef MADV_HUGEPAGE
    /* 2 MiB pages where the system lends them on request: a 60 MB model
     * otherwise costs some 15,000 page faults per copy of its weights */
    madvise(block, bytes, MADV_HUGEPAGE);
#endif
    return block;
}

void ci_block_free(void *block, size_t bytes)
{
    if (!block)
        return;
    if (bytes < CI_BLOCK_MIN)
        free(block);
    else
        munmap(block, bytes);
}

void ci_block_drop(const void *start, size_t len)
{
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t from = ((uintptr_t)start + page - 1) / page * page;
    uintptr_t to = ((uintptr_t)start + len) / page * page;
    if (page > 1 && to > from)
        madvise((void *)from, to - from, MADV_DONTNEED);
}

cxrinfer_status ci_tensor_alloc(ci_tensor *tensor, ci_err *err)
{
    size_t elem_size = ci_tensor_elem_size(tensor->dtype);
    if (tensor->count > ((size_t)1 << 32) / elem_size) /* 4 GiB: no image classifier comes near */
        return ci_fail(err, CXRINFER_ERR_NOMEM, "a tensor of %zu values is over 4 GiB",
                       tensor->count);
    size_t bytes = (tensor->count ? tensor->count : 1) * elem_size;
    if (bytes >= CI_BLOCK_MIN) {
        tensor->data = ci_block_alloc(bytes);
        tensor->owned = 2;
    } else {
        tensor->data = calloc(1, bytes);
        tensor->owned = 1;
    }
    if (!tensor->data) {
        tensor->owned = 0;
        return ci_fail(err, CXRINFER_ERR_NOMEM, "out of memory for a tensor of %zu values",
                       tensor->count);
    }
    tensor->bytes = bytes;
    return CXRINFER_OK;
}

void ci_tensor_clear(ci_tensor *tensor)
{
    if (tensor->owned == 2)
        ci_block_free(tensor->data, tensor->bytes);
    else if (tensor->owned)
        free(tensor->data);
    tensor->data = NULL;
    tensor->owned = 0;
}

const char *ci_shape_str(const ci_tensor *tensor, char *buf, size_t len)
{
    size_t at = 0;
    at += (size_t)snprintf(buf, len, "[");
    for (int i = 0; i < tensor->rank && at < len; i++)
        at += (size_t)snprintf(buf + at, len - at, i ? ",%lld" : "%lld",
                               (long long)tensor->dims[i]);
    if (at < len)
        snprintf(buf + at, len - at, "]");
    return buf;
}
