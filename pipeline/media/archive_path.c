/* archive_path.c: the rules that classify an archive entry by its name and
 * type: refused (hostile), junk, or an image of the Kermany layout. */
#include "archive_reader.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fsutil.h"

/* 1 if 's' is well-formed UTF-8 without overlongs or surrogates. */
static int valid_utf8(const unsigned char *s)
{
    while (*s) {
        unsigned c = *s, need, min, cp;
        if (c < 0x80) { s++; continue; }
        if ((c & 0xe0) == 0xc0) { need = 1; min = 0x80; cp = c & 0x1f; }
        else if ((c & 0xf0) == 0xe0) { need = 2; min = 0x800; cp = c & 0x0f; }
        else if ((c & 0xf8) == 0xf0) { need = 3; min = 0x10000; cp = c & 0x07; }
        else return 0;
        for (unsigned i = 1; i <= need; i++) {
            if ((s[i] & 0xc0) != 0x80)
                return 0;
            cp = (cp << 6) | (s[i] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return 0;
        s += need + 1;
    }
    return 1;
}

/* Skips leading "./" (tar archives made with 'tar c ./dir' store them). */
static const char *strip_dot_slash(const char *p)
{
    while (p[0] == '.' && p[1] == '/')
        p += 2;
    return p;
}

/* Refusal reason for a name, or NULL when the name is safe. */
static const char *name_refusal(const char *path)
{
    const char *p, *seg;
    if (!path || !*path)
        return "unreadable or empty name";
    if (!valid_utf8((const unsigned char *)path))
        return "name is not valid UTF-8";
    if (path[0] == '/')
        return "absolute path";
    if (isalpha((unsigned char)path[0]) && path[1] == ':')
        return "absolute path (drive letter)";
    for (p = path; *p; p++) {
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            return "control character in name";
        if (*p == '\\')
            return "backslash in name";
    }
    p = strip_dot_slash(path);
    if (!*p)
        return NULL; /* "./" itself: a directory, junk */
    for (seg = p;;) {
        const char *end = strchr(seg, '/');
        size_t len = end ? (size_t)(end - seg) : strlen(seg);
        if (len == 2 && seg[0] == '.' && seg[1] == '.')
            return "'..' component in path";
        if (end && (len == 0 || (len == 1 && seg[0] == '.')))
            return "non-canonical path ('//' or '/./')";
        if (!end || !end[1])
            break; /* last segment, or a trailing '/' of a directory */
        seg = end + 1;
    }
    return NULL;
}

static const char *type_refusal(cxr_entry_type type)
{
    switch (type) {
    case CXR_ETYPE_SYMLINK: return "symbolic link";
    case CXR_ETYPE_HARDLINK: return "hard link";
    case CXR_ETYPE_SPECIAL: return "device, fifo, socket or unknown entry type";
    case CXR_ETYPE_ENCRYPTED: return "encrypted entry";
    default: return NULL;
    }
}

static int is_image_name(const char *name)
{
    const char *dot = strrchr(name, '.');
    return dot && dot != name &&
           (!strcasecmp(dot, ".jpeg") || !strcasecmp(dot, ".jpg") ||
            !strcasecmp(dot, ".png"));
}

/* Junk reason by name, or NULL. 'p' has no leading "./". */
static const char *junk_reason(const char *p)
{
    const char *base = strrchr(p, '/');
    base = base ? base + 1 : p;
    if (!strncmp(p, "__MACOSX/", 9) || strstr(p, "/__MACOSX/"))
        return "__MACOSX resource entry";
    if (!strncmp(base, "._", 2))
        return "AppleDouble '._' file";
    if (!strcmp(base, ".DS_Store"))
        return ".DS_Store file";
    if (base[0] == '.')
        return "hidden file";
    if (!is_image_name(base))
        return "not an image name (.jpeg, .jpg, .png)";
    return NULL;
}

static char *dup_n(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (!d)
        return NULL; /* the caller sees a NULL field: out of memory */
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

/* Start of the segment that ends just before 'end' (which points at a '/'). */
static const char *seg_start(const char *p, const char *end)
{
    while (end > p && end[-1] != '/')
        end--;
    return end;
}

/* Splits "<root>/<split>/<class>/<name>" into 'img'; 0 if not that shape. */
static int split_layout(const char *p, cxr_archive_image *img)
{
    const char *name = strrchr(p, '/'), *klass, *split;
    size_t split_len, class_len;
    if (!name || name == p)
        return 0;
    name++;
    klass = seg_start(p, name - 1);
    if (klass == p)
        return 0;
    split = seg_start(p, klass - 1);
    split_len = (size_t)(klass - 1 - split);
    class_len = (size_t)(name - 1 - klass);
    if (!((split_len == 5 && !strncmp(split, "train", 5)) ||
          (split_len == 4 && !strncmp(split, "test", 4)) ||
          (split_len == 3 && !strncmp(split, "val", 3))))
        return 0;
    if (!((class_len == 6 && !strncmp(klass, "NORMAL", 6)) ||
          (class_len == 9 && !strncmp(klass, "PNEUMONIA", 9))))
        return 0;
    if (img) {
        img->root = dup_n(p, split > p ? (size_t)(split - 1 - p) : 0);
        img->split = dup_n(split, split_len);
        img->klass = dup_n(klass, class_len);
        img->name = dup_n(name, strlen(name));
    }
    return 1;
}

cxr_entry_class cxr_archive_classify(const char *path, cxr_entry_type type,
                                     cxr_archive_image *img, const char **reason)
{
    const char *why = name_refusal(path), *p;
    if (!why)
        why = type_refusal(type);
    if (why) {
        *reason = why;
        return CXR_ENTRY_REFUSED;
    }
    p = strip_dot_slash(path);
    if (type == CXR_ETYPE_DIR || !*p || p[strlen(p) - 1] == '/') {
        *reason = "directory";
        return CXR_ENTRY_JUNK;
    }
    if ((why = junk_reason(p)) != NULL) {
        *reason = why;
        return CXR_ENTRY_JUNK;
    }
    if (!split_layout(p, img)) {
        *reason = "image outside the '<split>/<class>/<name>' layout";
        return CXR_ENTRY_JUNK;
    }
    *reason = NULL;
    return CXR_ENTRY_IMAGE;
}

void cxr_archive_image_release(cxr_archive_image *img)
{
    if (!img)
        return;
    free(img->path);
    free(img->root);
    free(img->split);
    free(img->klass);
    free(img->name);
    memset(img, 0, sizeof(*img));
}

/* Length of the patient prefix of a NORMAL name,
 * "[NORMAL2-]IM-<digits>-<digits>[-<digits>]....<ext>" (the patient is the
 * part before the second number); 0 for any other name. */
static size_t normal_patient_len(const char *name)
{
    const char *p = name, *end;
    if (strncmp(p, "NORMAL2-", 8) == 0)
        p += 8;
    if (strncmp(p, "IM-", 3) != 0 || !isdigit((unsigned char)p[3]))
        return 0;
    for (p += 3; isdigit((unsigned char)*p); p++)
        ;
    end = p;
    if (*p != '-' || !isdigit((unsigned char)p[1]))
        return 0;
    while (*p == '-' && isdigit((unsigned char)p[1]))
        for (p++; isdigit((unsigned char)*p); p++)
            ;
    return *p == '.' && p[1] && !strchr(p + 1, '.') ? (size_t)(end - name) : 0;
}

/* Length of "person<N>" in "person<N>_...", 0 for any other name. */
static size_t pneumonia_patient_len(const char *name)
{
    size_t n = 6;
    if (strncmp(name, "person", 6) != 0 || !isdigit((unsigned char)name[6]))
        return 0;
    while (isdigit((unsigned char)name[n]))
        n++;
    return name[n] == '_' ? n : 0;
}

void cxr_kermany_patient(const char *name, char *out, size_t out_size)
{
    size_t n;
    if (out_size == 0)
        return;
    out[0] = '\0';
    n = pneumonia_patient_len(name);
    if (!n)
        n = normal_patient_len(name);
    if (!n || n + 1 > out_size)
        return;
    memcpy(out, name, n);
    out[n] = '\0';
}
