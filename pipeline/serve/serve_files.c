/* serve_files.c: the files the server sends: an image's bytes, its
 * thumbnail (decoded under score.max_dimension, resized to fit 160x160,
 * written once as PNG under <workdir>/serve/thumbs/<id>.png: the id is a
 * content hash, so a thumbnail never goes stale) and the labelled copies
 * under <workdir>/serve/analysis/. Only files named by the catalog, or of
 * the labelled copies' exact form, are ever opened. */
#include "serve_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "image.h"

#define THUMB_SIDE 160

static const char *image_type(const char *path)
{
    unsigned char head[16];
    size_t n = 0;
    FILE *fp = fopen(path, "rb");

    if (fp) {
        n = fread(head, 1, sizeof(head), fp);
        fclose(fp);
    }
    switch (cxr_image_sniff(head, n)) {
    case CXR_IMG_JPEG: return "image/jpeg";
    case CXR_IMG_PNG: return "image/png";
    case CXR_IMG_GIF: return "image/gif";
    case CXR_IMG_BMP: return "image/bmp";
    case CXR_IMG_WEBP: return "image/webp";
    case CXR_IMG_TIFF: return "image/tiff";
    default: return "application/octet-stream";
    }
}

static void send_file(const char *path, const char *type, int cache, serve_reply *rp)
{
    if (!cxr_is_file(path)) {
        serve_json_error(rp, 404, "the file is gone (run 'cxrprep run' again?)");
        return;
    }
    rp->file = strdup(path);
    if (!rp->file) {
        serve_json_error(rp, 503, "out of memory");
        return;
    }
    rp->status = 200;
    rp->type = type ? type : image_type(path);
    rp->cache = cache;
}

void serve_send_image(cxr_server *srv, const serve_image *im, serve_reply *rp)
{
    (void)srv;
    send_file(im->disk, NULL, 1, rp);
}

/* Fits width x height into THUMB_SIDE squared, keeping the aspect. */
static void thumb_size(const cxr_image *img, int *w, int *h)
{
    double scale = (double)THUMB_SIDE / (img->width > img->height ? img->width : img->height);
    if (scale > 1)
        scale = 1;
    *w = (int)(img->width * scale + 0.5);
    *h = (int)(img->height * scale + 0.5);
    *w = *w < 1 ? 1 : *w;
    *h = *h < 1 ? 1 : *h;
}

static cxr_status make_thumb(cxr_server *srv, const serve_image *im, const char *path,
                             cxr_error *err)
{
    unsigned char *data = NULL;
    size_t len = 0;
    cxr_image img = {0}, small = {0};
    int w, h;
    cxr_status st = cxr_read_file(im->disk, &data, &len, err);

    if (st == CXR_OK)
        st = cxr_image_decode(data, len, srv->s.score.max_dimension, 0, &img, err);
    free(data);
    if (st == CXR_OK) {
        thumb_size(&img, &w, &h);
        st = cxr_image_resize(&img, w, h, &small, err);
    }
    if (st == CXR_OK)
        st = cxr_image_write_png(&small, path, err);
    cxr_image_release(&img);
    cxr_image_release(&small);
    return st;
}

void serve_send_thumb(cxr_server *srv, const serve_image *im, serve_reply *rp)
{
    char path[4096];
    cxr_error err = {0};
    cxr_status st = CXR_OK;

    snprintf(path, sizeof(path), "%s/thumbs/%s.png", srv->dir, im->id);
    if (!cxr_is_file(path)) {
        serve_slot_take(&srv->limits);
        if (!cxr_is_file(path)) /* another request may have made it meanwhile */
            st = make_thumb(srv, im, path, &err);
        serve_slot_give(&srv->limits);
    }
    if (st != CXR_OK) {
        serve_json_error(rp, st == CXR_ERR_NOMEM ? 503 : 422, err.msg);
        return;
    }
    send_file(path, "image/png", 1, rp);
}

/* '<POSITIVE|NEGATIVE>_Prob_<digits>_Name_<[A-Za-z0-9._-]+>.png', no leading dot. */
static int analysis_name_ok(const char *name)
{
    const char *p = name;
    size_t n = strlen(name);

    if (strncmp(p, "POSITIVE_Prob_", 14) == 0 || strncmp(p, "NEGATIVE_Prob_", 14) == 0)
        p += 14;
    else
        return 0;
    if (*p < '0' || *p > '9')
        return 0;
    while (*p >= '0' && *p <= '9')
        p++;
    if (strncmp(p, "_Name_", 6) != 0 || p[6] == '.' || p[6] == '\0')
        return 0;
    if (n < 4 || strcmp(name + n - 4, ".png") != 0 || strstr(name, ".."))
        return 0;
    for (p += 6; *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
              *p == '.' || *p == '_' || *p == '-'))
            return 0;
    return 1;
}

void serve_send_analysis(cxr_server *srv, const char *name, serve_reply *rp)
{
    char path[4096];

    if (!analysis_name_ok(name)) {
        serve_json_error(rp, 404, "no such labelled copy");
        return;
    }
    snprintf(path, sizeof(path), "%s/analysis/%s", srv->dir, name);
    if (!cxr_is_file(path)) {
        serve_json_error(rp, 404, "no such labelled copy");
        return;
    }
    send_file(path, "image/png", 0, rp);
}
