/* report_svg.h: the inline SVG charts of the score report, written to a
 * stream: histograms, box plots, ROC curves and confusion matrices. Each
 * chart is one <svg class="chart KIND"> with a <title>; text is escaped. */
#ifndef CXR_REPORT_SVG_H
#define CXR_REPORT_SVG_H

#include <stddef.h>
#include <stdio.h>

#include "stats.h"

/* Writes 's' with &, <, >, " and ' escaped for HTML and SVG text. */
void cxr_html_escape(FILE *f, const char *s);

/* The width in pixels 's' is expected to take at 'font_px' in a sans-serif
 * face, on the generous side: label columns and legends are sized by it. */
double cxr_svg_text_width(const char *s, double font_px);

/* The colour of series i (a fixed palette, cycled). */
const char *cxr_svg_colour(size_t i);

/* Bars of 'counts' over [0, 1] with the threshold marked; axes titled
 * "score" and "count", count ticks at a step of 1, 2 or 5 x 10^k. */
void cxr_svg_histogram(FILE *f, const char *title, const size_t *counts, int nbins,
                       double threshold, size_t colour);

/* One horizontal box (q1..q3, median, whiskers to min and max) per row on a
 * shared [0, 1] axis titled "score", in colour colours[i]; rows with n == 0
 * are drawn as a label only. The label column is as wide as the longest
 * label. */
void cxr_svg_boxplots(FILE *f, const char *const *labels, const cxr_describe *d,
                      const size_t *colours, size_t n, double threshold);

/* A ROC curve per series with the chance diagonal and a legend; axes
 * "false positive rate" and "true positive rate", ticks 0 to 1. */
typedef struct cxr_svg_roc_series {
    const char *label;
    const double *fpr, *tpr;
    size_t npoints;
    double auc;
} cxr_svg_roc_series;
void cxr_svg_roc(FILE *f, const char *title, const cxr_svg_roc_series *series, size_t n);

/* A 2x2 matrix: rows true positive/negative, columns predicted. */
void cxr_svg_confusion(FILE *f, const char *title, const cxr_confusion *c);

#endif
