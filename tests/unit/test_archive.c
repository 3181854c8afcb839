/* test_archive.c: the classification rules of archive entries (refused,
 * junk, image with its root), patient ids, and the root choice. */
#include <stdlib.h>

#include "archive_reader.h"
#include "testutil.h"

static void check_image(const char *path, const char *root, const char *split,
                        const char *klass, const char *name)
{
    cxr_archive_image img = {0};
    const char *reason = "unset";
    CHECK_INT(cxr_archive_classify(path, CXR_ETYPE_FILE, &img, &reason), CXR_ENTRY_IMAGE);
    CHECK(reason == NULL);
    CHECK_STR(img.root, root);
    CHECK_STR(img.split, split);
    CHECK_STR(img.klass, klass);
    CHECK_STR(img.name, name);
    cxr_archive_image_release(&img);
}

static void check_class(const char *path, cxr_entry_type type, cxr_entry_class want,
                        const char *reason_part)
{
    const char *reason = NULL;
    cxr_archive_image img = {0};
    cxr_entry_class got = cxr_archive_classify(path, type, &img, &reason);
    CHECK_INT(got, want);
    if (got != want)
        fprintf(stderr, "  for '%s'\n", path ? path : "(null)");
    CHECK(test_contains(reason, reason_part));
    cxr_archive_image_release(&img);
}

static void test_images(void)
{
    check_image("chest_xray/train/NORMAL/IM-0177-0001.jpeg", "chest_xray", "train",
                "NORMAL", "IM-0177-0001.jpeg");
    check_image("train/PNEUMONIA/person1_virus_6.jpeg", "", "train", "PNEUMONIA",
                "person1_virus_6.jpeg");
    check_image("chest_xray/chest_xray/test/NORMAL/x.JPG", "chest_xray/chest_xray", "test",
                "NORMAL", "x.JPG");
    check_image("./chest_xray/val/PNEUMONIA/p.png", "chest_xray", "val", "PNEUMONIA", "p.png");
}

static void test_junk(void)
{
    check_class("__MACOSX/chest_xray/train/NORMAL/._a.jpeg", CXR_ETYPE_FILE, CXR_ENTRY_JUNK,
                "__MACOSX");
    check_class("chest_xray/train/NORMAL/._a.jpeg", CXR_ETYPE_FILE, CXR_ENTRY_JUNK, "._");
    check_class("chest_xray/.DS_Store", CXR_ETYPE_FILE, CXR_ENTRY_JUNK, ".DS_Store");
    check_class("chest_xray/train/NORMAL/", CXR_ETYPE_DIR, CXR_ENTRY_JUNK, "directory");
    check_class("chest_xray/train/NORMAL", CXR_ETYPE_DIR, CXR_ENTRY_JUNK, "directory");
    check_class("./", CXR_ETYPE_DIR, CXR_ENTRY_JUNK, "directory");
    check_class("chest_xray/README.txt", CXR_ETYPE_FILE, CXR_ENTRY_JUNK, "not an image");
    check_class("chest_xray/train/COVID/a.jpeg", CXR_ETYPE_FILE, CXR_ENTRY_JUNK, "layout");
    check_class("chest_xray/NORMAL/a.jpeg", CXR_ETYPE_FILE, CXR_ENTRY_JUNK, "layout");
    check_class("a.jpeg", CXR_ETYPE_FILE, CXR_ENTRY_JUNK, "layout");
    check_class("chest_xray/train/NORMAL/.hidden.jpeg", CXR_ETYPE_FILE, CXR_ENTRY_JUNK, "hidden");
}

static void test_refused(void)
{
    const char *ok = "chest_xray/train/NORMAL/a.jpeg";
    check_class("/etc/passwd", CXR_ETYPE_FILE, CXR_ENTRY_REFUSED, "absolute");
    check_class("/chest_xray/train/NORMAL/a.jpeg", CXR_ETYPE_FILE, CXR_ENTRY_REFUSED, "absolute");
    check_class("C:/train/NORMAL/a.jpeg", CXR_ETYPE_FILE, CXR_ENTRY_REFUSED, "drive");
    check_class("../train/NORMAL/a.jpeg", CXR_ETYPE_FILE, CXR_ENTRY_REFUSED, "'..'");
    check_class("chest_xray/train/NORMAL/../../../../x.jpeg", CXR_ETYPE_FILE,
                CXR_ENTRY_REFUSED, "'..'");
    check_class("chest_xray/..", CXR_ETYPE_DIR, CXR_ENTRY_REFUSED, "'..'");
    check_class("chest_xray//train/NORMAL/a.jpeg", CXR_ETYPE_FILE, CXR_ENTRY_REFUSED,
                "non-canonical");
    check_class("chest_xray/./train/NORMAL/a.jpeg", CXR_ETYPE_FILE, CXR_ENTRY_REFUSED,
                "non-canonical");
    check_class("chest_xray\\train\\NORMAL\\a.jpeg", CXR_ETYPE_FILE, CXR_ENTRY_REFUSED,
                "backslash");
    check_class("chest_xray/train/NORMAL/a\n.jpeg", CXR_ETYPE_FILE, CXR_ENTRY_REFUSED, "control");
    check_class("chest_xray/train/NORMAL/\xff\xfe.jpeg", CXR_ETYPE_FILE, CXR_ENTRY_REFUSED,
                "UTF-8");
    check_class("chest_xray/train/NORMAL/\xc0\xaf.jpeg", CXR_ETYPE_FILE, CXR_ENTRY_REFUSED,
                "UTF-8"); /* overlong '/' */
    check_class(NULL, CXR_ETYPE_FILE, CXR_ENTRY_REFUSED, "unreadable");
    check_class("", CXR_ETYPE_FILE, CXR_ENTRY_REFUSED, "empty");
    check_class(ok, CXR_ETYPE_SYMLINK, CXR_ENTRY_REFUSED, "symbolic link");
    check_class(ok, CXR_ETYPE_HARDLINK, CXR_ENTRY_REFUSED, "hard link");
    check_class(ok, CXR_ETYPE_SPECIAL, CXR_ENTRY_REFUSED, "device");
    check_class(ok, CXR_ETYPE_ENCRYPTED, CXR_ENTRY_REFUSED, "encrypted");
    /* refusal wins over junk: a hostile name under __MACOSX is still refused */
    check_class("__MACOSX/../../x", CXR_ETYPE_FILE, CXR_ENTRY_REFUSED, "'..'");
    check_image("chest_xray/train/NORMAL/caf\xc3\xa9.jpeg", "chest_xray", "train", "NORMAL",
                "caf\xc3\xa9.jpeg");
}

static void test_patient(void)
{
    char pid[32];
    cxr_kermany_patient("person63_bacteria_306.jpeg", pid, sizeof(pid));
    CHECK_STR(pid, "person63");
    cxr_kermany_patient("person1_virus_6.jpeg", pid, sizeof(pid));
    CHECK_STR(pid, "person1");
    cxr_kermany_patient("IM-0177-0001.jpeg", pid, sizeof(pid));
    CHECK_STR(pid, "IM-0177");
    cxr_kermany_patient("IM-0656-0001-0001.jpeg", pid, sizeof(pid));
    CHECK_STR(pid, "IM-0656");
    cxr_kermany_patient("IM-0656-0001.jpeg", pid, sizeof(pid));
    CHECK_STR(pid, "IM-0656");
    cxr_kermany_patient("NORMAL2-IM-1440-0001.jpeg", pid, sizeof(pid));
    CHECK_STR(pid, "NORMAL2-IM-1440");
    cxr_kermany_patient("IM-0656.jpeg", pid, sizeof(pid));   /* no image number */
    CHECK_STR(pid, "");
    cxr_kermany_patient("IM-0656-0001", pid, sizeof(pid));   /* no extension */
    CHECK_STR(pid, "");
    cxr_kermany_patient("IM-0656-x.jpeg", pid, sizeof(pid));
    CHECK_STR(pid, "");
    cxr_kermany_patient("NORMAL3-IM-1-2.jpeg", pid, sizeof(pid));
    CHECK_STR(pid, "");
    cxr_kermany_patient("IM-0656-0001.jpeg", pid, 7);        /* does not fit */
    CHECK_STR(pid, "");
    cxr_kermany_patient("personX_virus.jpeg", pid, sizeof(pid));
    CHECK_STR(pid, "");
    cxr_kermany_patient("person12.jpeg", pid, sizeof(pid));
    CHECK_STR(pid, "");
    cxr_kermany_patient("person12345_virus.jpeg", pid, 6);
    CHECK_STR(pid, ""); /* does not fit: no patient rather than a cut one */
}

/* A listing built by hand: images under the given roots, same files. */
static cxr_archive_listing *make_listing(const char *const *roots, size_t nroots,
                                         int differ)
{
    static const char *const names[] = {"a.jpeg", "b.jpeg", "c.jpeg"};
    cxr_archive_listing *ls = calloc(1, sizeof(*ls));
    ls->images = calloc(nroots * 3, sizeof(*ls->images));
    for (size_t r = 0; r < nroots; r++)
        for (size_t i = 0; i < 3; i++) {
            cxr_archive_image *img = &ls->images[ls->nimages++];
            img->path = strdup(names[i]);
            img->root = strdup(roots[r]);
            img->split = strdup("train");
            img->klass = strdup("NORMAL");
            img->name = strdup(names[i]);
            img->size = 100 + i + (differ && r == nroots - 1 && i == 2);
        }
    return ls;
}

static void test_root_choice(void)
{
    static const char *const one[] = {"chest_xray"};
    static const char *const two[] = {"chest_xray", "chest_xray/chest_xray"};
    static const char *const none_and_one[] = {"", "backup"};
    const char *root = NULL;
    char note[512];
    cxr_error err;
    cxr_archive_listing *ls = make_listing(one, 1, 0);
    CHECK_INT(cxr_archive_choose_root(ls, "auto", &root, note, sizeof(note), &err), CXR_OK);
    CHECK_STR(root, "chest_xray");
    CHECK_STR(note, "");
    CHECK_INT(cxr_archive_choose_root(ls, "elsewhere", &root, note, sizeof(note), &err),
              CXR_ERR_MISSING);
    CHECK(test_contains(err.msg, "'elsewhere' is not in the archive"));
    cxr_archive_listing_free(ls);

    ls = make_listing(two, 2, 0); /* same files twice: the shorter root, said so */
    CHECK_INT(cxr_archive_choose_root(ls, "auto", &root, note, sizeof(note), &err), CXR_OK);
    CHECK_STR(root, "chest_xray");
    CHECK(test_contains(note, "under 2 roots"));
    CHECK(test_contains(note, "using 'chest_xray'"));
    CHECK_INT(cxr_archive_choose_root(ls, "chest_xray/chest_xray", &root, note, sizeof(note),
                                      &err), CXR_OK);
    CHECK_STR(root, "chest_xray/chest_xray");
    cxr_archive_listing_free(ls);

    ls = make_listing(two, 2, 1); /* one size differs: neither holds the other */
    CHECK_INT(cxr_archive_choose_root(ls, "auto", &root, note, sizeof(note), &err),
              CXR_ERR_INPUT);
    CHECK(test_contains(err.msg, "none holding all the others'"));
    CHECK(test_contains(err.msg, "sample.archive_root"));
    cxr_archive_listing_free(ls);

    ls = make_listing(none_and_one, 2, 1);
    CHECK_INT(cxr_archive_choose_root(ls, ".", &root, note, sizeof(note), &err), CXR_OK);
    CHECK_STR(root, "");
    cxr_archive_listing_free(ls);

    /* a partial copy under another root: the root holding everything wins,
     * even when it is the longer one */
    ls = make_listing(two, 2, 0);
    cxr_archive_image_release(&ls->images[1]); /* drop chest_xray/b.jpeg */
    memmove(&ls->images[1], &ls->images[2], 4 * sizeof(*ls->images));
    ls->nimages = 5;
    CHECK_INT(cxr_archive_choose_root(ls, "auto", &root, note, sizeof(note), &err), CXR_OK);
    CHECK_STR(root, "chest_xray/chest_xray");
    CHECK(test_contains(note, "holds all the others' files"));
    cxr_archive_listing_free(ls);

    ls = make_listing(one, 0, 0);
    CHECK_INT(cxr_archive_choose_root(ls, "auto", &root, note, sizeof(note), &err),
              CXR_ERR_MISSING);
    cxr_archive_listing_free(ls);
}

int main(void)
{
    test_images();
    test_junk();
    test_refused();
    test_patient();
    test_root_choice();
    return test_finish();
}
