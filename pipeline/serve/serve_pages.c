/* serve_pages.c: the upload page (the recipe's app: one chest X-ray in,
 * POSITIVE or NEGATIVE with its percentage out, the labelled copy saved and
 * shown) and the frame every page shares. Plain HTML and a little CSS; no
 * scripts. */
#include "serve_internal.h"

#include <stdio.h>
#include <string.h>

static const char style[] =
    "body{font:15px/1.4 system-ui,sans-serif;margin:0 auto;max-width:72rem;padding:0 1rem;"
    "color:#222}"
    "nav{display:flex;gap:1rem;padding:.6rem 0;border-bottom:1px solid #ccc}"
    "nav a{color:#05a;text-decoration:none;font-weight:600}"
    "h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:1.6rem}"
    ".verdict{font-size:2rem;font-weight:700}.POSITIVE{color:#b00}.NEGATIVE{color:#070}"
    ".grid{display:flex;flex-wrap:wrap;gap:.6rem}"
    ".card{width:170px;border:1px solid #ccc;border-radius:4px;padding:4px;font-size:12px}"
    ".card img{display:block;width:160px;height:160px;object-fit:contain;background:#111}"
    ".card.wrong{border:2px solid #d60}.card.excluded{opacity:.45}"
    ".tag{display:inline-block;padding:0 4px;border-radius:3px;background:#eee}"
    ".wrong .tag.pred{background:#fd8}"
    "table{border-collapse:collapse}td,th{text-align:left;padding:2px 8px;"
    "border-bottom:1px solid #eee;vertical-align:top}"
    ".note{background:#ffd;padding:.4rem .6rem;border:1px solid #ec8}"
    "img.full{max-width:100%;max-height:80vh;background:#111}";

void serve_page_open(serve_buf *b, const char *title)
{
    serve_buf_add(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                     "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
                     "<title>");
    serve_buf_html(b, title);
    serve_buf_printf(b, " - cxrprep</title><style>%s</style></head><body>"
                        "<nav><a href=\"/\">Upload</a><a href=\"/review\">Review</a></nav>\n",
                     style);
}

void serve_page_close(serve_buf *b)
{
    serve_buf_add(b, "\n</body></html>\n");
}

static void html_reply(serve_reply *rp, int status)
{
    rp->status = status;
    rp->type = "text/html; charset=utf-8";
}

void serve_page_error(serve_reply *rp, int status, const char *message)
{
    serve_buf_release(&rp->body);
    serve_page_open(&rp->body, "Error");
    serve_buf_printf(&rp->body, "<h1>Error %d</h1><p class=\"note\">", status);
    serve_buf_html(&rp->body, message);
    serve_buf_add(&rp->body, "</p><p><a href=\"/\">Back to the upload page</a></p>");
    serve_page_close(&rp->body);
    html_reply(rp, status);
}

static void upload_form(cxr_server *srv, serve_buf *b)
{
    const cxr_serve_settings *s = &srv->s;

    if (s->nmodels == 0) {
        serve_buf_add(b, "<p class=\"note\">No model is configured (score.model or "
                         "serve.models): predictions are off.</p>");
        return;
    }
    serve_buf_add(b, "<form id=\"upload\" method=\"post\" action=\"/predict\" "
                     "enctype=\"multipart/form-data\">"
                     "<p><label>Chest X-ray (JPEG, PNG, BMP, GIF): "
                     "<input type=\"file\" name=\"image\" accept=\"image/*\" required></label></p>");
    if (s->nmodels > 1) {
        serve_buf_add(b, "<p><label>Model: <select name=\"model\">");
        for (size_t i = 0; i < s->nmodels; i++) {
            serve_buf_add(b, "<option value=\"");
            serve_buf_html(b, s->models[i].name);
            serve_buf_add(b, "\">");
            serve_buf_html(b, s->models[i].name);
            serve_buf_add(b, "</option>");
        }
        serve_buf_add(b, "</select></label></p>");
    }
    serve_buf_printf(b, "<p><button type=\"submit\">Analyse</button> "
                        "<small>(at most %zu MiB)</small></p></form>",
                     s->max_upload_bytes >> 20);
}

void serve_page_upload(cxr_server *srv, serve_reply *rp)
{
    serve_buf *b = &rp->body;

    serve_page_open(b, "Upload");
    serve_buf_add(b, "<h1>Is it COVID-19?</h1>"
                     "<p>Upload one chest X-ray: the model answers POSITIVE or NEGATIVE with "
                     "the probability of its answer, and a labelled copy is saved, as the "
                     "recipe's app did. Not a diagnosis: the recipe's classes come from "
                     "different populations.</p>");
    upload_form(srv, b);
    serve_page_close(b);
    html_reply(rp, 200);
}

void serve_page_predict(cxr_server *srv, const serve_request *rq, serve_reply *rp)
{
    serve_answer a;
    cxr_error err = {0};
    serve_buf *b = &rp->body;
    cxr_status st = serve_predict_upload(srv, rq, &a, &err);

    if (st != CXR_OK) {
        serve_page_error(rp, serve_http_status(st), err.msg);
        return;
    }
    serve_page_open(b, a.label);
    serve_buf_printf(b, "<h1>Result</h1><p class=\"verdict %s\" id=\"verdict\">%s %d%%</p>",
                     a.label, a.label, a.percent);
    serve_buf_printf(b, "<table><tr><th>score</th><td id=\"score\">%.6f</td></tr>", a.score);
    serve_buf_add(b, "<tr><th>model</th><td id=\"model\">");
    serve_buf_html(b, a.model);
    serve_buf_printf(b, "</td></tr><tr><th>sha256</th><td><code>%s</code></td></tr>"
                        "<tr><th>saved as</th><td><code>", a.sha256);
    serve_buf_html(b, a.copy);
    serve_buf_add(b, "</code></td></tr></table><p><img class=\"full\" alt=\"the uploaded "
                     "image\" src=\"/analysis/");
    serve_buf_html(b, a.copy);
    serve_buf_add(b, "\"></p><h2>Another image</h2>");
    upload_form(srv, b);
    serve_page_close(b);
    html_reply(rp, 200);
}
