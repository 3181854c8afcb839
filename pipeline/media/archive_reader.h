/* archive_reader.h: reading the Kermany archive (zip, or tar with any compression
 * libarchive knows) in place, never extracting it whole.
 *
 *     cxr_archive_listing *ls;
 *     cxr_archive_list("ChestXRay2017.zip", &limits, &ls, &err);  // headers only
 *     cxr_archive_choose_root(ls, "auto", &root, note, sizeof note, &err);
 *     ... pick entries from ls->images ...
 *     cxr_archive_extract("ChestXRay2017.zip", &limits, wanted, n, fn, ctx, &err);
 *     cxr_archive_listing_free(ls);
 *
 * Every entry is classified (archive_path.c):
 *   - refused (hostile), never read: an absolute name, a '..' component, a
 *     name that is not canonical ('a//b', 'a/./b') or not valid UTF-8, or has
 *     control characters or backslashes; a symbolic link, a hard link, a
 *     device, fifo or socket; an encrypted entry; two entries with one name;
 *   - junk, skipped: directories, anything under '__MACOSX/', '._*',
 *     '.DS_Store' and other dot files, names that are not .jpeg/.jpg/.png,
 *     and images outside the '<split>/<class>/<name>' layout;
 *   - image: '<root>/<split>/<class>/<name>' with split train, test or val and
 *     class NORMAL or PNEUMONIA; root is whatever precedes ('chest_xray',
 *     'chest_xray/chest_xray' or nothing).
 * The entry count and the sum of the declared sizes are capped (zip bombs);
 * extraction also caps the bytes it actually reads. Listings and handles are
 * not shared between threads. */
#ifndef CXR_ARCHIVE_READER_H
#define CXR_ARCHIVE_READER_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "progress.h"

/* Entries read into memory one at a time are capped at this size. */
#define CXR_ARCHIVE_MAX_ENTRY_SIZE (512ULL * 1024 * 1024)

typedef struct cxr_archive_limits {
    uint64_t max_entries;    /* more entries than this: an error (0: no cap) */
    uint64_t max_total_size; /* more bytes in all: an error (0: no cap) */
} cxr_archive_limits;

typedef struct cxr_archive_image {
    char *path;      /* owned; the entry name exactly as stored */
    char *root;      /* owned; "" when the layout starts at the top */
    char *split;     /* owned; "train", "test" or "val" */
    char *klass;     /* owned; "NORMAL" or "PNEUMONIA" */
    char *name;      /* owned; the file name */
    uint64_t size;   /* declared uncompressed size */
} cxr_archive_image;

typedef struct cxr_archive_refusal {
    char *path;         /* owned; the name as stored, or "(unreadable)" */
    const char *reason; /* static text */
} cxr_archive_refusal;

typedef struct cxr_archive_listing {
    cxr_archive_image *images;     /* sorted by (root, split, class, name) */
    size_t nimages;
    cxr_archive_refusal *refused;  /* in archive order */
    size_t nrefused;
    size_t nentries;               /* every entry the archive holds */
    size_t njunk;
    uint64_t total_size;           /* sum of the declared sizes */
    char format[64];               /* libarchive's name of the format */
} cxr_archive_listing;

/* Reads every header of 'path' (borrowed) and classifies the entries. An
 * archive over a limit, or one libarchive cannot read, is CXR_ERR_INPUT. */
cxr_status cxr_archive_list(const char *path, const cxr_archive_limits *lim,
                            cxr_archive_listing **out, cxr_error *err);
/* The same, reporting the entries read to 'progress' (borrowed; NULL or no
 * fn: none) as events of stage 'stage', unit "entries", total unknown; with
 * the bytes read of the file when the format is read as a stream (not zip,
 * whose central directory is read by seeking). */
cxr_status cxr_archive_list_progress(const char *path, const cxr_archive_limits *lim,
                                     const cxr_progress_sink *progress, const char *stage,
                                     cxr_archive_listing **out, cxr_error *err);
void cxr_archive_listing_free(cxr_archive_listing *ls); /* NULL is a no-op */

/* Chooses the dataset root. 'want' is "auto" or a root ("" or "." for the
 * top). With "auto": the only root; or, among several, the one that holds
 * every other root's files (same split, class, name and size; a mirror's
 * nested 'chest_xray/chest_xray/' copy), the shortest of equal ones, with a
 * sentence saying so in 'note' (otherwise note is ""). Roots none of which
 * holds all the others' files is CXR_ERR_INPUT naming them; no images at
 * all is CXR_ERR_MISSING. '*root' points into 'ls'. */
cxr_status cxr_archive_choose_root(const cxr_archive_listing *ls, const char *want,
                                   const char **root, char *note, size_t note_size,
                                   cxr_error *err);

/* Receives one wanted entry's bytes (borrowed, valid during the call). */
typedef cxr_status (*cxr_archive_data_fn)(void *ctx, const char *path,
                                          const unsigned char *data, size_t len,
                                          cxr_error *err);

/* Reads 'path' once and calls 'fn' for each entry whose stored name is in
 * 'wanted' (borrowed; sorted bytewise by strcmp, no repeats), in archive
 * order. Each wanted entry is checked again as in the listing; one that is
 * refused, stored twice, larger than declared, or absent is an error. */
cxr_status cxr_archive_extract(const char *path, const cxr_archive_limits *lim,
                               const char *const *wanted, size_t nwanted,
                               cxr_archive_data_fn fn, void *ctx, cxr_error *err);

/* --- the classification rules (archive_path.c), exposed for tests --- */
typedef enum cxr_entry_class {
    CXR_ENTRY_IMAGE,
    CXR_ENTRY_JUNK,
    CXR_ENTRY_REFUSED
} cxr_entry_class;

typedef enum cxr_entry_type {
    CXR_ETYPE_FILE,
    CXR_ETYPE_DIR,
    CXR_ETYPE_SYMLINK,
    CXR_ETYPE_HARDLINK,
    CXR_ETYPE_SPECIAL, /* device, fifo, socket or unknown */
    CXR_ETYPE_ENCRYPTED
} cxr_entry_type;

/* Classifies one entry by its stored name ('path', may be NULL when the
 * name could not be read) and type. For CXR_ENTRY_IMAGE, 'img' (may be NULL)
 * receives malloc'd root, split, klass and name (path and size untouched;
 * release with cxr_archive_image_release). '*reason' receives static text
 * for junk and refusals. */
cxr_entry_class cxr_archive_classify(const char *path, cxr_entry_type type,
                                     cxr_archive_image *img, const char **reason);
void cxr_archive_image_release(cxr_archive_image *img); /* frees the fields */

/* The patient id of a Kermany image name into 'out' (rule in sample.h):
 * "person63_bacteria_306.jpeg" -> "person63", "IM-0656-0001-0001.jpeg" and
 * "IM-0656-0001.jpeg" -> "IM-0656", "NORMAL2-IM-1440-0001.jpeg" ->
 * "NORMAL2-IM-1440"; "" when the name carries no patient or the id does
 * not fit. */
void cxr_kermany_patient(const char *name, char *out, size_t out_size);

#endif
