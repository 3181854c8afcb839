/* safename.h: the check every file name passes before it becomes part of a
 * path: no absolute paths, no '..', no separators, no control characters. */
#ifndef CXR_SAFENAME_H
#define CXR_SAFENAME_H

/* NULL when 'name' is a safe single file name, else why not (a static
 * string such as "absolute path"). */
const char *cxr_safename_problem(const char *name);

#endif
