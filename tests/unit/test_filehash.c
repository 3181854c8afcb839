/* test_filehash.c: a file is hashed once while it is unchanged, again when
 * its bytes (or size, times, inode) change, and symlinks are refused. */
#include <sys/time.h>
#include <unistd.h>

#include "filehash.h"
#include "fsutil.h"
#include "testutil.h"

/* Writes 'text' and sets the file's mtime 'age' seconds back. */
static void write_text(const char *path, const char *text, int age)
{
    FILE *f = fopen(path, "w");
    struct timeval tv[2];
    fputs(text, f);
    fclose(f);
    gettimeofday(&tv[0], NULL);
    tv[0].tv_sec -= age;
    tv[1] = tv[0];
    utimes(path, tv);
}

int main(void)
{
    char *dir = test_tmpdir("filehash");
    char *path = cxr_path_join(dir, "a.txt"), *link = cxr_path_join(dir, "l");
    char hex[CXR_SHA256_HEX], hex2[CXR_SHA256_HEX], want[CXR_SHA256_HEX];
    cxr_filehash *fh = cxr_filehash_new(NULL), *again;
    cxr_error err = {0};
    char *saved;

    write_text(path, "abc", 10);
    cxr_sha256_buf("abc", 3, want);
    CHECK(fh && cxr_filehash_get(fh, path, hex, NULL, &err) == CXR_OK);
    CHECK_STR(hex, want);
    CHECK(cxr_filehash_get(fh, path, hex2, NULL, &err) == CXR_OK);
    CHECK_INT(cxr_filehash_hashed(fh), 1); /* the second look was from memory */
    saved = cxr_filehash_save(fh);
    again = cxr_filehash_new(saved);
    CHECK(cxr_filehash_get(again, path, hex2, NULL, &err) == CXR_OK);
    CHECK_STR(hex2, want);
    CHECK_INT(cxr_filehash_hashed(again), 0); /* remembered across runs */
    write_text(path, "abd", 5);               /* same size, new bytes, new times */
    CHECK(cxr_filehash_get(again, path, hex2, NULL, &err) == CXR_OK);
    CHECK(strcmp(hex2, want) != 0);
    CHECK_INT(cxr_filehash_hashed(again), 1);
    write_text(path, "abe", 0);               /* just written: racy, never remembered */
    CHECK(cxr_filehash_get(again, path, hex2, NULL, &err) == CXR_OK);
    CHECK(cxr_filehash_get(again, path, hex2, NULL, &err) == CXR_OK);
    CHECK_INT(cxr_filehash_hashed(again), 3);
    CHECK(symlink(path, link) == 0);
    CHECK(cxr_filehash_get(again, link, hex2, NULL, &err) == CXR_ERR_INPUT);
    CHECK(cxr_filehash_get(again, "/nonexistent/x", hex2, NULL, &err) == CXR_ERR_MISSING);
    free(saved);
    cxr_filehash_free(fh);
    cxr_filehash_free(again);
    unlink(link);
    unlink(path);
    rmdir(dir);
    free(link);
    free(path);
    free(dir);
    return test_finish();
}
