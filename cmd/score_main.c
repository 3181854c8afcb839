/* score_main.c: cxrprep-score, scoring the image sets (or one image) with
 * a trained ONNX model and writing the per-set results and the report. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "malloc_policy.h"
#include "openmp_passive.h"
#include "progress_line.h"
#include "score.h"

enum { OPT_IMAGE = 1, OPT_COPY, OPT_MERGE, OPT_MODEL, OPT_SHARD };

static const cxr_cli_option options[] = {
    {"image", "FILE", OPT_IMAGE, "score one image: print the winning class and its probability"},
    {"labelled-copy", "DIR", OPT_COPY,
     "with --image: write DIR/NEGATIVE_Prob_53_Name_<file>.png (the recipe's copy)"},
    {"merge", "N", OPT_MERGE, "combine the outputs of shards 1..N into the full outputs"},
    {"model", "NAME|FILE", OPT_MODEL,
     "score only this score.models name (--image: default the first), or an ONNX file"},
    {"shard", "K/N", OPT_SHARD, "score only shard K of N (1 <= K <= N), for job arrays"},
    {NULL, NULL, 0, NULL},
};

static const cxr_cli_spec spec = {
    "cxrprep-score",
    "Score image sets with a trained ONNX model; write per-image CSVs, per-set JSON "
    "summaries and an HTML report.",
    "  cxrprep-score --config config/covid19xray.yaml --model covid.onnx\n"
    "  cxrprep-score --model covid.onnx --image xray.jpeg    # NEGATIVE 53%\n"
    "  cxrprep-score --model covid.onnx --image xray.jpeg --labelled-copy out/\n"
    "  cxrprep-score --config c.yaml --model model2 --image xray.jpeg  # a score.models name\n"
    "  cxrprep-score --config c.yaml --set score.decode=fast  # JPEGs DCT-scaled (opt-in)\n"
    "  cxrprep-score --config c.yaml --shard 2/8      # one task of a job array\n"
    "  cxrprep-score --config c.yaml --merge 8        # after all 8 shards\n",
    options, 0, NULL,
};

typedef struct score_args {
    const char *image, *copy_dir;
    cxr_score_options run;
    int merge;
} score_args;

static cxr_status on_option(void *opts, int id, const char *value, cxr_error *err)
{
    score_args *a = opts;
    char *end;
    switch (id) {
    case OPT_IMAGE: a->image = value; break;
    case OPT_COPY: a->copy_dir = value; break;
    case OPT_MODEL: a->run.model = value; break;
    case OPT_MERGE:
        a->merge = (int)strtol(value, &end, 10);
        if (*end || a->merge < 1)
            return cxr_fail(err, CXR_ERR_USAGE, "--merge '%s': give the number of shards", value);
        break;
    case OPT_SHARD:
        a->run.shard_k = (int)strtol(value, &end, 10);
        if (*end != '/' || (a->run.shard_n = (int)strtol(end + 1, &end, 10)) < 1 || *end ||
            a->run.shard_k < 1 || a->run.shard_k > a->run.shard_n)
            return cxr_fail(err, CXR_ERR_USAGE, "--shard '%s': want K/N with 1 <= K <= N", value);
        break;
    }
    return CXR_OK;
}

/* "%8.3f", or "-" for a set with no scores. */
static const char *num8(double x, char *buf, size_t size)
{
    if (isnan(x))
        snprintf(buf, size, "%8s", "-");
    else
        snprintf(buf, size, "%8.3f", x);
    return buf;
}

/* The table: set, then with named models the model, then the numbers. */
static void print_table(const cxr_score_outcome *o)
{
    int named = o->nsets && o->sets[0].model;
    char mean[32], median[32];

    printf("%-34s ", "set");
    if (named)
        printf("%-16s ", "model");
    printf("%7s %7s %9s %8s %8s\n", "scored", "failed", "positive", "mean", "median");
    for (size_t i = 0; i < o->nsets; i++) {
        printf("%-34s ", o->sets[i].name);
        if (named)
            printf("%-16s ", o->sets[i].model);
        printf("%7zu %7zu %9zu %s %s\n", o->sets[i].n, o->sets[i].failed,
               o->sets[i].positives, num8(o->sets[i].mean, mean, sizeof(mean)),
               num8(o->sets[i].median, median, sizeof(median)));
    }
}

static void print_outcome(const cxr_score_outcome *o)
{
    print_table(o);
    if (o->seconds > 0)
        printf("score: %zu images in %.2f s: %.2f images/s (%d decoding threads)\n", o->images,
               o->seconds, o->images_per_s, o->decode_threads);
    if (o->failed)
        printf("score: %zu images could not be decoded; see the error column of the CSVs\n",
               o->failed);
    for (size_t i = 0; i < o->nsets; i++) /* an empty set gives no numbers at all: say so */
        if (o->sets[i].n == 0 && (i == 0 || strcmp(o->sets[i - 1].name, o->sets[i].name) != 0))
            fprintf(stderr, "cxrprep-score: warning: set '%s' has no images\n", o->sets[i].name);
    printf("score: outputs in %s%s%s\n", o->out_dir ? o->out_dir : "",
           o->report ? "; report " : "", o->report ? o->report : "");
}

/* Single image mode: the config, when given, supplies the threshold,
 * positive index, decode cap and engine threads; else the schema's
 * defaults apply. */
static cxr_status score_one(const score_args *a, const cxr_config *conf, int quiet,
                            cxr_error *err)
{
    cxr_score_single r;
    cxr_status st = cxr_score_image(conf, a->run.model, a->image, a->copy_dir, &r, err);

    if (st == CXR_OK) {
        printf("%s %d%%\n", r.label, r.percent);
        if (r.copy_path && !quiet)
            printf("wrote %s\n", r.copy_path);
    }
    cxr_score_single_release(&r);
    return st;
}

static cxr_status dispatch(score_args *a, cxr_cli *cli, cxr_error *err)
{
    cxr_config *conf = NULL;
    cxr_score_outcome o = {0};
    cxr_progress_printer printer;
    cxr_status st = CXR_OK;

    if (!a->image && !cli->config_path)
        return cxr_fail(err, CXR_ERR_USAGE, "--config FILE is required (or --image FILE)");
    if (a->copy_dir && !a->image)
        return cxr_fail(err, CXR_ERR_USAGE, "--labelled-copy goes with --image");
    if (a->merge && (a->run.shard_n || a->image))
        return cxr_fail(err, CXR_ERR_USAGE, "--merge runs alone (no --shard or --image)");
    if (cli->config_path)
        st = cxr_cli_load_config(cli, &conf, err);
    if (st == CXR_OK && !cli->exit_now) {
        if (a->image)
            st = score_one(a, conf, cli->quiet, err);
        else if (a->merge)
            st = cxr_score_merge(conf, &a->run, a->merge, &o, err);
        else {
            a->run.progress = cxr_progress_printer_init(&printer, cli->quiet);
            st = cxr_score_run(conf, &a->run, &o, err);
            cxr_progress_printer_clear(&printer);
        }
        if (st == CXR_OK && !a->image && !cli->quiet)
            print_outcome(&o);
    }
    cxr_score_outcome_release(&o);
    cxr_config_free(conf);
    return st;
}

int main(int argc, char **argv)
{
    cxr_error err = {0};
    cxr_cli cli;
    score_args args = {0};
    cxr_status st;

    cxr_openmp_passive(argv);
    cxr_malloc_keep_large();
    st = cxr_cli_parse(&spec, argc, argv, &cli, on_option, &args, &err);

    if (st == CXR_OK && !cli.exit_now)
        st = dispatch(&args, &cli, &err);
    cxr_cli_release(&cli);
    return cxr_cli_finish(spec.prog, st, &err);
}
