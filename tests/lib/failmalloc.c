/* failmalloc.c: an LD_PRELOAD shim that makes the Nth heap allocation of a
 * program's main() fail, as sqlite's test harness does, to prove that every
 * allocation failure ends in a clean "out of memory" (exit 10), never an
 * abort or a wrong message.
 *
 *     CXR_FAIL_ALLOC=N    allocation N (1-based, counted from main) returns NULL
 *                         with errno ENOMEM; the others succeed
 *     CXR_COUNT_ALLOC=F   at exit, write the number of allocations made to F
 *     CXR_FAIL_ALLOC_OWN=1  count (and fail) only the allocations made by the
 *                         project's own code: the executable itself (the
 *                         pipeline is linked in statically) and libcxrinfer;
 *                         not those made inside libarchive, libcrypto,
 *                         oneDNN... whose out-of-memory behaviour is theirs
 *                         (libarchive exits 1 on some, OpenSSL may crash)
 *
 * Only calls made while main() runs are counted (the shim wraps
 * __libc_start_main), so the loader's and constructors' allocations are not.
 * Built as a plain shared library; not for sanitizer builds (ASan replaces
 * the allocator itself). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *ptr, size_t size);
extern void *__libc_memalign(size_t align, size_t size);

/* The shim's whole state: one process, set up before main runs. */
static struct {
    int armed;
    int own_only;           /* CXR_FAIL_ALLOC_OWN */
    void *exe_base;         /* load address of the executable */
    unsigned long fail_at;  /* 0: never */
    unsigned long count;
    const char *count_file;
} shim;

static __thread int in_shim; /* dladdr must not count itself */

/* 1 if the code at 'caller' is the project's: the executable or libcxrinfer. */
static int is_own(void *caller)
{
    Dl_info info;
    int own;
    if (in_shim)
        return 0;
    in_shim = 1;
    own = dladdr(caller, &info) &&
          (info.dli_fbase == shim.exe_base || (info.dli_fname && strstr(info.dli_fname, "libcxrinfer")));
    in_shim = 0;
    return own;
}

#define should_fail() should_fail_at(__builtin_return_address(0))

static int should_fail_at(void *caller)
{
    if (!shim.armed || (shim.own_only && !is_own(caller)))
        return 0;
    shim.count++;
    if (shim.fail_at && shim.count == shim.fail_at) {
        errno = ENOMEM;
        return 1;
    }
    return 0;
}

void *malloc(size_t size)
{
    return should_fail() ? NULL : __libc_malloc(size);
}

void *calloc(size_t n, size_t size)
{
    return should_fail() ? NULL : __libc_calloc(n, size);
}

void *realloc(void *ptr, size_t size)
{
    if (size == 0 || !should_fail())
        return __libc_realloc(ptr, size);
    return NULL;
}

int posix_memalign(void **out, size_t align, size_t size)
{
    void *p;
    if (should_fail())
        return ENOMEM;
    p = __libc_memalign(align, size);
    if (!p)
        return ENOMEM;
    *out = p;
    return 0;
}

void *aligned_alloc(size_t align, size_t size)
{
    return should_fail() ? NULL : __libc_memalign(align, size);
}

static void write_count(void)
{
    FILE *f;
    shim.armed = 0;
    if (!shim.count_file || !(f = fopen(shim.count_file, "w")))
        return;
    fprintf(f, "%lu\n", shim.count);
    fclose(f);
}

typedef int (*main_fn)(int, char **, char **);
static main_fn real_main;

static int counted_main(int argc, char **argv, char **envp)
{
    const char *at = getenv("CXR_FAIL_ALLOC");
    shim.fail_at = at ? strtoul(at, NULL, 10) : 0;
    Dl_info info;
    shim.count_file = getenv("CXR_COUNT_ALLOC");
    shim.own_only = getenv("CXR_FAIL_ALLOC_OWN") != NULL;
    if (dladdr((void *)real_main, &info))
        shim.exe_base = info.dli_fbase;
    atexit(write_count); /* disarms: exit handlers (libgcov's dump) are not main's */
    shim.armed = 1;
    return real_main(argc, argv, envp);
}

int __libc_start_main(main_fn main, int argc, char **argv, void (*init)(void),
                      void (*fini)(void), void (*rtld_fini)(void), void *stack_end)
{
    typedef int (*start_fn)(main_fn, int, char **, void (*)(void), void (*)(void),
                            void (*)(void), void *);
    start_fn real_start = (start_fn)dlsym(RTLD_NEXT, "__libc_start_main");
    real_main = main;
    return real_start(counted_main, argc, argv, init, fini, rtld_fini, stack_end);
}
