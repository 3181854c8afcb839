/* tensor.c: tensors: element sizes, shapes, data allocation, shape text. */
#include <stdio.h>
#include <stdlib.h>

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

cxrinfer_status ci_tensor_alloc(ci_tensor *tensor, ci_err *err)
{
    size_t elem_size = ci_tensor_elem_size(tensor->dtype);
    if (tensor->count > ((size_t)1 << 32) / elem_size) /* 4 GiB: no image classifier comes near */
        return ci_fail(err, CXRINFER_ERR_NOMEM, "a tensor of %zu values is over 4 GiB",
                       tensor->count);
    tensor->data = calloc(tensor->count ? tensor->count : 1, elem_size);
    if (!tensor->data)
        return ci_fail(err, CXRINFER_ERR_NOMEM, "out of memory for a tensor of %zu values",
                       tensor->count);
    tensor->owned = 1;
    return CXRINFER_OK;
}

void ci_tensor_clear(ci_tensor *tensor)
{
    if (tensor->owned)
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
