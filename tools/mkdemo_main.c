/* mkdemo_main.c: cxrprep-mkdemo OUTDIR writes the demo's synthetic source
 * mirror (see mkdemo.h) that config/demo.yaml runs on; the build runs it. */
#include <stdio.h>
#include <string.h>

#include "fsutil.h"
#include "mkdemo.h"

static const char usage[] =
    "usage: cxrprep-mkdemo OUTDIR\n"
    "Writes the demo's synthetic source mirror into OUTDIR: metadata.csv and\n"
    "images/ (ieee8023-shaped), ChestXRay2017.zip (Kermany-shaped, with junk\n"
    "entries), model.onnx and kermany-sample/ (loose Kermany images for the\n"
    "tests' archives); then OUTDIR/.complete. The same bytes every run.\n";

static cxr_status make_mirror(const char *outdir, cxr_error *err)
{
    cxr_status st = cxr_mkdirs(outdir, err);
    if (st == CXR_OK)
        st = mkdemo_write_metadata(outdir, err);
    if (st == CXR_OK)
        st = mkdemo_write_archive(outdir, err);
    if (st == CXR_OK)
        st = mkdemo_write_model(outdir, err);
    if (st == CXR_OK)
        st = mkdemo_write_kermany_sample(outdir, err);
    if (st == CXR_OK)
        st = mkdemo_write_file(outdir, ".complete", "cxrprep-mkdemo " CXR_VERSION "\n",
                               strlen("cxrprep-mkdemo " CXR_VERSION "\n"), err);
    return st;
}

int main(int argc, char **argv)
{
    cxr_error err = {0};
    cxr_status st;

    if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        fputs(usage, stdout);
        return fflush(stdout) == 0 ? 0 : cxr_exit_code(CXR_ERR_IO);
    }
    if (argc != 2 || argv[1][0] == '-') {
        fputs(usage, stderr);
        return cxr_exit_code(CXR_ERR_USAGE);
    }
    st = make_mirror(argv[1], &err);
    if (st != CXR_OK) {
        fprintf(stderr, "cxrprep-mkdemo: %s\n", err.msg);
        return cxr_exit_code(st);
    }
    printf("cxrprep-mkdemo: wrote the demo mirror in '%s': %d metadata rows "
           "(%d selected, %d held out), %d+%d train and %d+%d test archive images, "
           "a %d+%d image Kermany sample\n",
           argv[1], MKDEMO_META_ROWS, MKDEMO_COVID_SELECTED, MKDEMO_COVID_HOLDOUT,
           MKDEMO_TRAIN_NORMAL, MKDEMO_TRAIN_PNEUMONIA, MKDEMO_TEST_NORMAL,
           MKDEMO_TEST_PNEUMONIA, MKDEMO_SAMPLE_NORMAL, MKDEMO_SAMPLE_PNEUMONIA);
    return fflush(stdout) == 0 ? 0 : cxr_exit_code(CXR_ERR_IO);
}
