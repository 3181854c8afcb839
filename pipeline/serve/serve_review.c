/* serve_review.c: the review page (every image of the trees and score
 * sets, grouped by folder, as thumbnails with score, truth and prediction;
 * misclassified ones marked; sortable by score) and the detail view (the
 * provenance the manifests hold, and the form that excludes the image from
 * every tree or takes it back). Plain HTML forms; no scripts. */
#include "serve_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct card {
    const serve_image *im;
    const serve_scored *sc;
} card;

static int misclassified(const serve_scored *sc)
{
    return sc && *sc->score && *sc->truth && strcmp(sc->truth, "unknown") != 0 &&
           strcmp(sc->truth, sc->prediction) != 0;
}

static int by_file(const void *a, const void *b)
{
    const card *x = a, *y = b;
    int c = strcmp(x->im->file, y->im->file);
    return c ? c : strcmp(x->im->id, y->im->id);
}

/* Unscored images last in both orders. */
static int by_score_up(const void *a, const void *b)
{
    const card *x = a, *y = b;
    double u = x->sc && *x->sc->score ? x->sc->value : 2, v = y->sc && *y->sc->score ? y->sc->value : 2;
    return u < v ? -1 : u > v ? 1 : by_file(a, b);
}

static int by_score_down(const void *a, const void *b)
{
    const card *x = a, *y = b;
    double u = x->sc && *x->sc->score ? x->sc->value : -1, v = y->sc && *y->sc->score ? y->sc->value : -1;
    return u > v ? -1 : u < v ? 1 : by_file(a, b);
}

static void card_html(serve_buf *b, const card *c, const cxr_exclusions *x)
{
    const serve_scored *sc = c->sc;
    int wrong = misclassified(sc), excluded = serve_excluded(x, c->im) != NULL;

    serve_buf_printf(b, "<div class=\"card%s%s\" data-id=\"%s\"><a href=\"/review/%s\">"
                        "<img loading=\"lazy\" src=\"/thumb/%s\" alt=\"\"></a><div>",
                     wrong ? " wrong" : "", excluded ? " excluded" : "", c->im->id, c->im->id,
                     c->im->id);
    serve_buf_html(b, c->im->file);
    serve_buf_add(b, "</div>");
    if (sc && *sc->score)
        serve_buf_printf(b, "<span class=\"tag\">%s</span> <span class=\"tag\">truth %s"
                            "</span> <span class=\"tag pred\">%s%s</span>",
                         sc->score, *sc->truth ? sc->truth : "?", sc->prediction,
                         wrong ? " (wrong)" : "");
    else if (sc && *sc->error)
        serve_buf_add(b, "<span class=\"tag\">not decodable</span>");
    if (excluded)
        serve_buf_add(b, " <span class=\"tag\">excluded</span>");
    serve_buf_add(b, "</div>\n");
}

static void group_html(serve_buf *b, const serve_catalog *c, const serve_group *g,
                       const char *sort, const cxr_exclusions *x)
{
    card *cards = malloc((g->n ? g->n : 1) * sizeof(*cards));
    size_t wrong = 0;

    if (!cards) {
        b->failed = 1;
        return;
    }
    for (size_t i = 0; i < g->n; i++) {
        cards[i].im = &c->images[g->members[i]];
        cards[i].sc = serve_image_score(cards[i].im, g->set);
        wrong += (size_t)misclassified(cards[i].sc);
    }
    qsort(cards, g->n, sizeof(*cards), !sort ? by_file : strcmp(sort, "score") == 0 ? by_score_up
                                        : strcmp(sort, "-score") == 0 ? by_score_down : by_file);
    serve_buf_add(b, "<h2>");
    serve_buf_html(b, g->name);
    serve_buf_printf(b, " <small>(%zu image%s", g->n, g->n == 1 ? "" : "s");
    if (g->set) {
        serve_buf_add(b, "; score set ");
        serve_buf_html(b, g->set);
        serve_buf_printf(b, ", %zu misclassified", wrong);
    } else if (strcmp(g->origin, "tree") != 0) {
        serve_buf_add(b, "; ");
        serve_buf_html(b, g->origin);
    }
    serve_buf_add(b, ")</small></h2>\n<div class=\"grid\" data-group=\"");
    serve_buf_html(b, g->name);
    serve_buf_add(b, "\">\n");
    for (size_t i = 0; i < g->n; i++)
        card_html(b, &cards[i], x);
    serve_buf_add(b, "</div>\n");
    free(cards);
}

static void excluded_html(serve_buf *b, const cxr_exclusions *x)
{
    if (x->n == 0)
        return;
    serve_buf_printf(b, "<h2>Excluded <small>(%zu)</small></h2><table><tr><th>source</th>"
                        "<th>file</th><th>reason</th><th>time</th><th></th></tr>", x->n);
    for (size_t i = 0; i < x->n; i++) {
        const cxr_exclusion *r = &x->rows[i];
        const char *f[4] = {r->source, r->file, r->reason, r->time};
        serve_buf_add(b, "<tr>");
        for (int k = 0; k < 4; k++) {
            serve_buf_add(b, "<td>");
            serve_buf_html(b, f[k]);
            serve_buf_add(b, "</td>");
        }
        if (strlen(r->sha256) >= SERVE_ID_LEN)
            serve_buf_printf(b, "<td><form method=\"post\" action=\"/review/%.16s/include\">"
                                "<button type=\"submit\">take back</button></form></td>",
                             r->sha256);
        serve_buf_add(b, "</tr>");
    }
    serve_buf_add(b, "</table>\n");
}

static void review_head(cxr_server *srv, serve_buf *b, const serve_catalog *c, const char *sort)
{
    serve_buf_printf(b, "<h1>Review <small>(%zu images)</small></h1>", c->n);
    for (size_t i = 0; i < c->nnotes; i++) {
        serve_buf_add(b, "<p class=\"note\">");
        serve_buf_html(b, c->notes[i]);
        serve_buf_add(b, "</p>");
    }
    if (srv->s.exclusions) {
        serve_buf_add(b, "<p>Exclusions are saved in <code>");
        serve_buf_html(b, srv->s.exclusions);
        serve_buf_add(b, "</code>; <code>cxrprep run</code> rebuilds the trees without them.</p>");
    } else {
        serve_buf_add(b, "<p class=\"note\">The config names no exclusions file "
                         "(curation.exclusions): excluding is off.</p>");
    }
    serve_buf_printf(b, "<p>Sort: <a href=\"/review\">%sby name</a> | <a href=\"/review?sort=score\">"
                        "%sscore, lowest first</a> | <a href=\"/review?sort=-score\">%sscore, "
                        "highest first</a>. A thick orange border marks a misclassified image."
                        "</p>\n",
                     !sort ? "&#10003; " : "", sort && !strcmp(sort, "score") ? "&#10003; " : "",
                     sort && !strcmp(sort, "-score") ? "&#10003; " : "");
}

void serve_page_review(cxr_server *srv, const serve_request *rq, serve_reply *rp)
{
    serve_catalog *c = NULL;
    cxr_exclusions x = {0};
    cxr_error err = {0};
    serve_buf *b = &rp->body;
    cxr_status st = serve_catalog_and_exclusions(srv, &c, &x, &err);

    if (st != CXR_OK) {
        serve_page_error(rp, serve_http_status(st), err.msg);
        return;
    }
    serve_page_open(b, "Review");
    review_head(srv, b, c, rq->sort);
    for (size_t g = 0; g < c->ngroups; g++)
        group_html(b, c, &c->groups[g], rq->sort, &x);
    excluded_html(b, &x);
    serve_page_close(b);
    serve_catalog_put(srv, c);
    cxr_exclusions_release(&x);
    rp->status = 200;
    rp->type = "text/html; charset=utf-8";
}

static void row(serve_buf *b, const char *label, const char *value)
{
    serve_buf_add(b, "<tr><th>");
    serve_buf_html(b, label);
    serve_buf_add(b, "</th><td>");
    serve_buf_html(b, value);
    serve_buf_add(b, "</td></tr>");
}

static void provenance_html(serve_buf *b, const serve_image *im)
{
    char size[32];

    snprintf(size, sizeof(size), "%llu bytes", (unsigned long long)im->size);
    serve_buf_add(b, "<table id=\"provenance\">");
    row(b, "file", im->file);
    row(b, "sha256", im->sha256);
    row(b, "size", size);
    row(b, "source", im->source);
    if (im->url)
        row(b, "source URL", im->url);
    for (const serve_fact *f = im->facts; f; f = f->next)
        row(b, f->label, f->value);
    for (const serve_place *p = im->places; p; p = p->next) {
        char text[8192];
        snprintf(text, sizeof(text), "%s (draw %s, class %s)", p->path, p->draw, p->klass);
        row(b, "in the trees", text);
    }
    for (const serve_scored *s = im->scores; s; s = s->next) {
        char text[1024];
        if (*s->score)
            snprintf(text, sizeof(text), "%s: score %s, truth %s, prediction %s%s", s->set,
                     s->score, *s->truth ? s->truth : "?", s->prediction,
                     misclassified(s) ? " (misclassified)" : "");
        else
            snprintf(text, sizeof(text), "%s: not scored (%s)", s->set, s->error);
        row(b, "score set", text);
    }
    serve_buf_add(b, "</table>");
}

static void decision_html(cxr_server *srv, serve_buf *b, const serve_image *im,
                          const cxr_exclusions *x)
{
    const cxr_exclusion *r = serve_excluded(x, im);

    serve_buf_add(b, "<h2>Curation</h2>");
    if (!srv->s.exclusions) {
        serve_buf_add(b, "<p class=\"note\">The config names no exclusions file "
                         "(curation.exclusions): excluding is off.</p>");
    } else if (r) {
        serve_buf_add(b, "<p id=\"status\">Excluded: ");
        serve_buf_html(b, r->reason);
        serve_buf_add(b, " (");
        serve_buf_html(b, r->time);
        serve_buf_printf(b, "). The next <code>cxrprep run</code> leaves it out of every tree."
                            "</p><form method=\"post\" action=\"/review/%s/include\">"
                            "<button type=\"submit\" id=\"include\">Take it back</button>"
                            "</form>", im->id);
    } else {
        serve_buf_printf(b, "<p id=\"status\">In the dataset.</p>"
                            "<form method=\"post\" action=\"/review/%s/exclude\">"
                            "<label>Reason: <input name=\"reason\" id=\"reason\" required "
                            "maxlength=\"500\" size=\"50\" placeholder=\"lateral view, text on "
                            "the film, a figure from a paper...\"></label> "
                            "<button type=\"submit\" id=\"exclude\">Exclude from every tree"
                            "</button></form>", im->id);
    }
}

void serve_page_detail(cxr_server *srv, const char *id, serve_reply *rp)
{
    serve_catalog *c = NULL;
    cxr_exclusions x = {0};
    cxr_error err = {0};
    const serve_image *im;
    serve_buf *b = &rp->body;
    cxr_status st = serve_catalog_and_exclusions(srv, &c, &x, &err);

    if (st != CXR_OK) {
        serve_page_error(rp, serve_http_status(st), err.msg);
        return;
    }
    im = serve_catalog_find(c, id);
    if (!im) {
        serve_page_error(rp, 404, "no image with this id in the manifests");
    } else {
        serve_page_open(b, im->file);
        serve_buf_add(b, "<h1>");
        serve_buf_html(b, im->file);
        serve_buf_add(b, "</h1>");
        decision_html(srv, b, im, &x);
        serve_buf_add(b, "<h2>Provenance</h2>");
        provenance_html(b, im);
        serve_buf_printf(b, "<p><img class=\"full\" alt=\"\" src=\"/image/%s\"></p>", im->id);
        serve_page_close(b);
        rp->status = 200;
        rp->type = "text/html; charset=utf-8";
    }
    serve_catalog_put(srv, c);
    cxr_exclusions_release(&x);
}

static int in_catalog(cxr_server *srv, const char *id)
{
    serve_catalog *c = NULL;
    int found = 0;

    if (serve_catalog_get(srv, &c, NULL) == CXR_OK) {
        found = serve_catalog_find(c, id) != NULL;
        serve_catalog_put(srv, c);
    }
    return found;
}

void serve_review_decide(cxr_server *srv, const char *id, int exclude, const serve_request *rq,
                         serve_reply *rp)
{
    char msg[CXR_ERROR_MAX];
    int status = exclude ? serve_exclude_id(srv, id, rq->form ? rq->form->reason : NULL, msg,
                                            sizeof(msg))
                         : serve_include_id(srv, id, msg, sizeof(msg));

    if (status >= 300) {
        serve_page_error(rp, status, msg);
        return;
    }
    rp->status = 303;
    /* back to the image, or to the review page when a rebuild took it out */
    if (in_catalog(srv, id))
        snprintf(rp->location, sizeof(rp->location), "/review/%s", id);
    else
        snprintf(rp->location, sizeof(rp->location), "/review");
    serve_buf_add(&rp->body, "see the review page\n");
    rp->type = "text/plain; charset=utf-8";
}
