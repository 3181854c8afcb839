/* safename.c: refusing file names that could escape the directory they are
 * written to, or that no file system would take. */
#include "safename.h"

#include <string.h>

static int has_dotdot_component(const char *name)
{
    const char *p = name;
    while (*p) {
        size_t seg = strcspn(p, "/\\");
        if (seg == 2 && p[0] == '.' && p[1] == '.')
            return 1;
        p += seg;
        if (*p)
            p++;
    }
    return 0;
}

const char *cxr_safename_problem(const char *name)
{
    if (!name || !*name)
        return "empty file name";
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return "control character in file name";
    if (name[0] == '/' || name[0] == '\\' || (name[1] == ':' && (name[2] == '\\' || name[2] == '/')))
        return "absolute path";
    if (has_dotdot_component(name))
        return "'..' component in file name";
    if (strchr(name, '/') || strchr(name, '\\'))
        return "path separator in file name";
    if (strcmp(name, ".") == 0)
        return "file name is '.'";
    if (strlen(name) > 255)
        return "file name longer than 255 bytes";
    return NULL;
}
