/* progress_line.h: draws a stage's progress events on stderr. On a
 * terminal, one line redrawn in place at most ten times a second; when
 * stderr is not a terminal (make, CI logs, a pipe) nothing at all, so logs
 * hold only the stages' summary lines; with --quiet nothing either. */
#ifndef CXR_PROGRESS_LINE_H
#define CXR_PROGRESS_LINE_H

#include "progress.h"

typedef struct cxr_progress_printer {
    int live;               /* a line is drawn and not yet cleared */
    int enabled;            /* stderr is a terminal and not --quiet */
    double last_draw;       /* elapsed_s of the last redraw */
    cxr_progress_meter meter;
} cxr_progress_printer;

/* Sets up 'p' and returns the sink a stage's options take. */
cxr_progress_sink cxr_progress_printer_init(cxr_progress_printer *p, int quiet);
/* Erases the live line (before printing a message, and at the end). */
void cxr_progress_printer_clear(cxr_progress_printer *p);

#endif
