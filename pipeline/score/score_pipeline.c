/* score_pipeline.c: decoding overlaps inference. A producer thread hands
 * out the images (file paths, or bytes read from the archive in one pass),
 * 'threads' workers decode and preprocess them (at low priority by default,
 * so that they never slow the engine's threads), and the calling thread
 * runs the engines of a group of models (one input shape) on batches of
 * ready images, each decoded image once for all of them. Two bounded queues
 * keep memory flat: the ready one holds two engine batches (and one image
 * per worker), so the workers decode the next batch in full while the
 * engine runs this one; every result lands in its own item, so the output
 * order never depends on thread timing. score.decode (cfg->decode) picks
 * the exact or the fast decode. */
#include "score_internal.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "fsutil.h"

typedef struct job {
    size_t item;
    unsigned char *data; /* owned; NULL: read item.path from disk */
    size_t len;
    float *input;        /* owned: the preprocessed image (ready queue) */
} job;

/* A bounded blocking FIFO of job pointers; NULL is the end marker. */
typedef struct queue {
    job **slot;
    size_t cap, head, n;
    pthread_mutex_t mu;
    pthread_cond_t not_empty, not_full;
} queue;

static int queue_init(queue *q, size_t cap)
{
    q->slot = calloc(cap, sizeof(*q->slot));
    q->cap = cap;
    q->head = q->n = 0;
    pthread_mutex_init(&q->mu, NULL);
    pthread_cond_init(&q->not_empty, NULL);
    pthread_cond_init(&q->not_full, NULL);
    return q->slot != NULL;
}

static void queue_destroy(queue *q)
{
    free(q->slot);
    pthread_mutex_destroy(&q->mu);
    pthread_cond_destroy(&q->not_empty);
    pthread_cond_destroy(&q->not_full);
}

static void queue_push(queue *q, job *j)
{
    pthread_mutex_lock(&q->mu);
    while (q->n == q->cap)
        pthread_cond_wait(&q->not_full, &q->mu);
    q->slot[(q->head + q->n++) % q->cap] = j;
    pthread_cond_signal(&q->not_empty);
    pthread_mutex_unlock(&q->mu);
}

/* Blocks when 'wait', else returns 0 at once if empty. */
static int queue_pop(queue *q, job **out, int wait)
{
    pthread_mutex_lock(&q->mu);
    while (q->n == 0 && wait)
        pthread_cond_wait(&q->not_empty, &q->mu);
    if (q->n == 0) {
        pthread_mutex_unlock(&q->mu);
        return 0;
    }
    *out = q->slot[q->head];
    q->head = (q->head + 1) % q->cap;
    q->n--;
    pthread_cond_signal(&q->not_full);
    pthread_mutex_unlock(&q->mu);
    return 1;
}

typedef struct wanted {
    const char *path;
    size_t item;
} wanted;

typedef struct shared {
    score_plan *plan;
    const score_pipeline_cfg *cfg;
    score_engine *const *engines; /* per model of the plan */
    const size_t *group;  /* the models this pass runs */
    size_t ngroup;
    size_t progress_done; /* images through the engines (calling thread only) */
    cxr_prep_shape shape;
    queue todo, ready;
    pthread_mutex_t mu;   /* guards the fields below */
    int stop;             /* an error happened: skip the remaining work */
    cxr_error err;        /* the first error of a producer */
    int live_workers;
    int nworkers;         /* started: the producer sends each an end marker */
    /* archive entries wanted, sorted by path, with the item each one feeds */
    struct wanted *wanted;
    size_t nwanted;
} shared;

static int should_stop(shared *sh)
{
    int stop;
    pthread_mutex_lock(&sh->mu);
    stop = sh->stop;
    pthread_mutex_unlock(&sh->mu);
    return stop;
}

static void set_stop(shared *sh, const cxr_error *err)
{
    pthread_mutex_lock(&sh->mu);
    if (!sh->stop && err)
        sh->err = *err;
    sh->stop = 1;
    pthread_mutex_unlock(&sh->mu);
}

static job *job_new(size_t item)
{
    job *j = calloc(1, sizeof(*j));
    if (j)
        j->item = item;
    return j;
}

static cxr_status on_entry(void *ctx, const char *path, const unsigned char *data,
                           size_t len, cxr_error *err)
{
    shared *sh = ctx;
    size_t lo = 0, hi = sh->nwanted;

    if (should_stop(sh))
        return cxr_fail(err, CXR_ERR_INTERNAL, "scoring stopped");
    while (lo < hi) { /* first wanted entry >= path */
        size_t mid = (lo + hi) / 2;
        if (strcmp(sh->wanted[mid].path, path) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (; lo < sh->nwanted && strcmp(sh->wanted[lo].path, path) == 0; lo++) {
        job *j = job_new(sh->wanted[lo].item);
        if (j)
            j->data = malloc(len ? len : 1);
        if (!j || !j->data) {
            free(j);
            return cxr_fail(err, CXR_ERR_NOMEM, "out of memory reading '%s'", path);
        }
        memcpy(j->data, data, len);
        j->len = len;
        queue_push(&sh->todo, j);
    }
    return CXR_OK;
}

static int cmp_wanted(const void *a, const void *b)
{
    const wanted *x = a, *y = b;
    int c = strcmp(x->path, y->path);
    return c ? c : (x->item > y->item) - (x->item < y->item);
}

/* The archive entries to read, sorted and without repeats (extract's
 * contract), with every item they feed. */
static cxr_status archive_jobs(shared *sh, cxr_error *err)
{
    score_plan *p = sh->plan;
    size_t n = 0, u = 0;
    const char **uniq;
    cxr_status st;

    sh->wanted = malloc((p->nitems + 1) * sizeof(*sh->wanted));
    uniq = malloc((p->nitems + 1) * sizeof(*uniq));
    if (!sh->wanted || !uniq) {
        free(uniq);
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < p->nitems; i++)
        if (p->sets[p->items[i].set].from_archive)
            sh->wanted[n++] = (wanted){p->items[i].path, i};
    qsort(sh->wanted, n, sizeof(*sh->wanted), cmp_wanted);
    for (size_t i = 0; i < n; i++)
        if (u == 0 || strcmp(uniq[u - 1], sh->wanted[i].path) != 0)
            uniq[u++] = sh->wanted[i].path;
    sh->nwanted = n;
    st = u ? cxr_archive_extract(p->archive, &sh->cfg->limits, uniq, u, on_entry, sh, err)
           : CXR_OK;
    free(uniq);
    return st;
}

/* Queues the files, then the archive entries; then one end marker per
 * worker. */
static void *producer(void *arg)
{
    shared *sh = arg;
    cxr_error err = {0};

    for (size_t i = 0; i < sh->plan->nitems && !should_stop(sh); i++) {
        job *j;
        if (sh->plan->sets[sh->plan->items[i].set].from_archive)
            continue;
        if (!(j = job_new(i))) {
            cxr_fail(&err, CXR_ERR_NOMEM, "out of memory");
            set_stop(sh, &err);
            break;
        }
        queue_push(&sh->todo, j);
    }
    if (!should_stop(sh) && archive_jobs(sh, &err) != CXR_OK)
        set_stop(sh, &err);
    for (int t = 0; t < sh->nworkers; t++)
        queue_push(&sh->todo, NULL);
    return NULL;
}

/* Records why an image was not scored; out of memory for the message
 * itself stops the run (an image must never look scored or silently
 * skipped). */
static void fail_item(shared *sh, score_item *it, const cxr_error *err)
{
    if (it->error && err->status != CXR_ERR_NOMEM)
        return; /* failed in an earlier group's pass: the first reason stands */
    free(it->error);
    it->error = strdup(err->msg[0] ? err->msg : cxr_strerror(err->status));
    if (!it->error || err->status == CXR_ERR_NOMEM) {
        cxr_error oom;
        cxr_fail(&oom, CXR_ERR_NOMEM, "out of memory");
        set_stop(sh, &oom);
    }
}

/* Decodes one job into its preprocessed input; on failure records the
 * image's error and frees the job. */
static job *prepare(shared *sh, job *j)
{
    score_item *it = &sh->plan->items[j->item];
    size_t nfloat = (size_t)sh->shape.width * sh->shape.height * sh->shape.channels;
    cxr_error err = {0};
    cxr_status st = CXR_OK;

    if (!j->data)
        st = cxr_read_file(it->path, &j->data, &j->len, &err);
    if (st == CXR_OK && !(j->input = malloc(nfloat * sizeof(float))))
        st = cxr_fail(&err, CXR_ERR_NOMEM, "out of memory");
    if (st == CXR_OK)
        st = cxr_preprocess_bytes_mode(j->data, j->len, sh->cfg->max_dimension,
                                       sh->cfg->decode, &sh->shape, j->input, &err);
    free(j->data);
    j->data = NULL;
    if (st == CXR_OK)
        return j;
    fail_item(sh, it, &err);
    free(j->input);
    free(j);
    return NULL;
}

static void *worker(void *arg)
{
    shared *sh = arg;
    job *j;
    int last;

    /* Linux applies nice per thread: the engine's threads keep the cores,
     * decoding fills what they leave idle (best effort: errors ignored) */
    if (sh->cfg->low_priority)
        (void)setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 19);
    while (queue_pop(&sh->todo, &j, 1) && j) {
        if (should_stop(sh)) {
            free(j->data);
            free(j);
            continue;
        }
        if ((j = prepare(sh, j)))
            queue_push(&sh->ready, j);
    }
    pthread_mutex_lock(&sh->mu);
    last = --sh->live_workers == 0;
    pthread_mutex_unlock(&sh->mu);
    if (last)
        queue_push(&sh->ready, NULL);
    return NULL;
}

/* Stores model m's scores of a batch; NaN is the image's error. */
static cxr_status store_scores(shared *sh, size_t m, job **batch, size_t n,
                               const double *scores, cxr_error *err)
{
    char msg[192];

    for (size_t i = 0; i < n; i++) {
        score_item *it = &sh->plan->items[batch[i]->item];
        if (!isnan(scores[i])) {
            it->res[m].score = cxr_score_canonical(scores[i]);
            it->res[m].done = 1;
            continue;
        }
        if (it->error)
            continue;
        if (sh->plan->named_models)
            snprintf(msg, sizeof(msg), "model '%s' returned NaN", sh->plan->models[m].name);
        else
            snprintf(msg, sizeof(msg), "the model returned NaN");
        if (!(it->error = strdup(msg)))
            return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    }
    return CXR_OK;
}

/* Runs one batch through every engine of the group and stores the scores. */
static cxr_status run_batch(shared *sh, job **batch, size_t n, float *images, double *scores,
                            cxr_error *err)
{
    size_t nfloat = (size_t)sh->shape.width * sh->shape.height * sh->shape.channels;
    cxr_status st = CXR_OK;

    for (size_t i = 0; i < n; i++)
        memcpy(images + i * nfloat, batch[i]->input, nfloat * sizeof(float));
    for (size_t g = 0; st == CXR_OK && g < sh->ngroup; g++) {
        size_t m = sh->group[g];
        st = cxr_score_engine_run(sh->engines[m], images, n, scores, err);
        if (st == CXR_OK)
            st = store_scores(sh, m, batch, n, scores, err);
    }
    for (size_t i = 0; i < n; i++) {
        free(batch[i]->input);
        free(batch[i]);
    }
    return st;
}

/* "score: 120/556 images, ..." after each batch (calling thread). */
static void report_progress(shared *sh, size_t n)
{
    const score_pipeline_cfg *c = sh->cfg;
    cxr_progress_event ev = {.stage = "score", .unit = "images", .total = c->progress_total};

    sh->progress_done += n;
    if (!c->progress || !c->progress->fn)
        return;
    ev.done = c->progress_done + sh->progress_done;
    ev.elapsed_s = cxr_score_now() - c->progress_t0;
    cxr_progress_emit(c->progress, &ev);
}

/* The calling thread: batches ready images through the engine until every
 * worker has finished. After an engine error it keeps draining. */
static cxr_status infer_loop(shared *sh, cxr_error *err)
{
    size_t nfloat = (size_t)sh->shape.width * sh->shape.height * sh->shape.channels;
    size_t cap = (size_t)sh->cfg->batch;
    job **batch = malloc(cap * sizeof(*batch));
    float *images = malloc(cap * nfloat * sizeof(float));
    double *scores = malloc(cap * sizeof(double));
    cxr_status st = (batch && images && scores) ? CXR_OK
                    : cxr_fail(err, CXR_ERR_NOMEM, "out of memory for a batch");
    int done = 0;

    if (st != CXR_OK)
        set_stop(sh, NULL);
    while (!done) {
        size_t n = 0;
        job *j;
        queue_pop(&sh->ready, &j, 1); /* block for the first, take what else is ready */
        while (j) {
            if (st != CXR_OK) {
                free(j->input);
                free(j);
            } else {
                batch[n++] = j;
            }
            if (n == cap || !queue_pop(&sh->ready, &j, 0))
                break;
        }
        done = j == NULL;
        if (n && st == CXR_OK && (st = run_batch(sh, batch, n, images, scores, err)))
            set_stop(sh, NULL);
        if (n && st == CXR_OK)
            report_progress(sh, n);
    }
    free(batch);
    free(images);
    free(scores);
    return st;
}

double cxr_score_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Starts the workers (as many as the system gives, at least one) and the
 * producer; returns the number of workers started. A thread that cannot
 * be started stops the run with "out of memory" (the workers then get
 * their end markers here when there is no producer to send them). */
static int start_threads(shared *sh, pthread_t *workers, pthread_t *prod, int *have_producer)
{
    cxr_error err = {0};
    int started = 0;

    sh->live_workers = sh->cfg->threads; /* no worker ends before the producer runs */
    for (; started < sh->cfg->threads; started++)
        if (pthread_create(&workers[started], NULL, worker, sh) != 0)
            break;
    pthread_mutex_lock(&sh->mu);
    sh->live_workers = started;
    pthread_mutex_unlock(&sh->mu);
    sh->nworkers = started;
    *have_producer = started > 0 && pthread_create(prod, NULL, producer, sh) == 0;
    if (*have_producer)
        return started;
    cxr_fail(&err, CXR_ERR_NOMEM, "out of memory: cannot start a thread");
    set_stop(sh, &err);
    for (int t = 0; t < started; t++)
        queue_push(&sh->todo, NULL);
    if (started == 0) /* no worker to end the ready queue */
        queue_push(&sh->ready, NULL);
    return started;
}

cxr_status cxr_score_pipeline_run(score_plan *plan, score_engine *const *engines,
                                  const size_t *group, size_t ngroup,
                                  const score_pipeline_cfg *cfg, score_timing *timing,
                                  cxr_error *err)
{
    const score_model_info *first = &plan->models[group[0]];
    shared sh;
    pthread_t prod, *workers;
    double t0 = cxr_score_now();
    cxr_status st;
    int started, have_producer;

    memset(&sh, 0, sizeof(sh));
    memset(timing, 0, sizeof(*timing));
    sh.plan = plan;
    sh.cfg = cfg;
    sh.engines = engines;
    sh.group = group;
    sh.ngroup = ngroup;
    sh.shape = (cxr_prep_shape){first->width, first->height, first->channels};
    workers = calloc((size_t)cfg->threads, sizeof(*workers));
    if (!workers || !queue_init(&sh.todo, (size_t)cfg->threads * 2) ||
        !queue_init(&sh.ready, 2 * (size_t)cfg->batch + (size_t)cfg->threads)) {
        free(workers), free(sh.todo.slot), free(sh.ready.slot);
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory starting the pipeline");
    }
    pthread_mutex_init(&sh.mu, NULL);
    started = start_threads(&sh, workers, &prod, &have_producer);
    st = infer_loop(&sh, err);
    if (have_producer)
        pthread_join(prod, NULL);
    for (int t = 0; t < started; t++)
        pthread_join(workers[t], NULL);
    if (st == CXR_OK && sh.stop && sh.err.status != CXR_OK) {
        *err = sh.err;
        st = sh.err.status;
    }
    timing->seconds = cxr_score_now() - t0;
    for (size_t i = 0; i < plan->nitems; i++) {
        timing->scored += plan->items[i].res[group[0]].done;
        timing->failed += plan->items[i].error != NULL;
    }
    queue_destroy(&sh.todo);
    queue_destroy(&sh.ready);
    pthread_mutex_destroy(&sh.mu);
    free(sh.wanted);
    free(workers);
    return st;
}
