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

/* The colour of series i (a fixed palette, cycled). */
const char *cxr_svg_colour(size_t i);

/* Bars of 'counts' over [0, 1] with the threshold marked. */
void cxr_svg_histogram(FILE *f, const char *title, const size_t *counts, int nbins,
                       double threshold, size_t colour);

/* One horizontal box (q1..q3, median, whiskers to min and max) per set on a
 * shared [0, 1] axis; sets with n == 0 are drawn as a label only. */
void cxr_svg_boxplots(FILE *f, const char *const *names, const cxr_describe *d, size_t n,
                      double threshold);

/* A ROC curve per series with the chance diagonal and a legend. */
typedef struct cxr_svg_roc_series {
    const char *label;
    const double *fpr, *tpr;
    size_t npoints;
    double auc;
} cxr_svg_roc_series;
void cxr_svg_roc(FILE *f, const cxr_svg_roc_series *series, size_t n);

/* A 2x2 matrix: rows true positive/negative, columns predicted. */
void cxr_svg_confusion(FILE *f, const char *title, const cxr_confusion *c);

#endif
