/* infer_libfuzzer.c: libFuzzer target for libcxrinfer's model loading
 * (include/cxrinfer.h: protobuf reader, linking, shape inference, constant
 * folding) and, for small inputs, one run (reference path for odd sizes,
 * oneDNN where usable for even). Built as fuzz_onnx by tests/fuzz/
 * CMakeLists.txt; run by ctest (label fuzz) and scripts/fuzz.sh. */
#include <stdint.h>
#include <stdlib.h>

#include "cxrinfer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cxrinfer_options opt;
    cxrinfer_model *m = NULL;
    cxrinfer_model_info info;
    char err[256];
    cxrinfer_options_init(&opt);
    opt.backend = (size & 1) ? CXRINFER_BACKEND_REFERENCE : CXRINFER_BACKEND_AUTO;
    opt.threads = 1;
    if (cxrinfer_model_load_buffer(data, size, &opt, &m, err, sizeof err) != CXRINFER_OK)
        return 0;
    if (cxrinfer_model_get_info(m, &info) == CXRINFER_OK &&
        (size_t)info.height * info.width * info.channels <= 65536 && info.classes < 4096) {
        float *x = calloc((size_t)info.height * info.width * info.channels, sizeof(float));
        float *y = calloc((size_t)info.classes, sizeof(float));
        if (x && y)
            cxrinfer_run(m, x, 1, y, (size_t)info.classes);
        free(x);
        free(y);
    }
    cxrinfer_model_free(m);
    return 0;
}
