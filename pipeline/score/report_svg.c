/* report_svg.c: inline SVG charts for the score report; plain text output,
 * no scripts, fonts or network, so the report renders anywhere. */
#include "report_svg.h"

#include <math.h>
#include <stdio.h>

void cxr_html_escape(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        default: fputc(*s, f);
        }
    }
}

const char *cxr_svg_colour(size_t i)
{
    static const char *const palette[] = {"#c0392b", "#2471a3", "#229954", "#b9770e",
                                          "#7d3c98", "#17a589", "#566573", "#a04000"};
    return palette[i % (sizeof(palette) / sizeof(palette[0]))];
}

double cxr_svg_text_width(const char *s, double font_px)
{
    size_t chars = 0;
    for (; s && *s; s++)
        chars += ((unsigned char)*s & 0xC0) != 0x80; /* UTF-8: count code points */
    /* a generous average advance of sans-serif faces (DejaVu Sans: ~0.6 em) */
    return 0.64 * font_px * (double)chars;
}

static void open_svg(FILE *f, const char *kind, int w, int h, const char *title)
{
    fprintf(f, "<svg class=\"chart %s\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
               "height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\"><title>", kind, w, h, w, h);
    cxr_html_escape(f, title);
    fputs("</title>\n", f);
}

/* An axis title: horizontal at (x, y), or rotated to read upwards. */
static void axis_title(FILE *f, double x, double y, int vertical, const char *text)
{
    if (vertical)
        fprintf(f, "<text class=\"axis-title\" x=\"%.1f\" y=\"%.1f\" font-size=\"11\" "
                   "text-anchor=\"middle\" transform=\"rotate(-90 %.1f %.1f)\">", x, y, x, y);
    else
        fprintf(f, "<text class=\"axis-title\" x=\"%.1f\" y=\"%.1f\" font-size=\"11\" "
                   "text-anchor=\"middle\">", x, y);
    cxr_html_escape(f, text);
    fputs("</text>\n", f);
}

/* x axis ticks 0, 0.2, ... 1 under a plot spanning [x0, x0 + w] at y. */
static void x_axis(FILE *f, double x0, double w, double y)
{
    fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#333\"/>\n",
            x0, y, x0 + w, y);
    for (int t = 0; t <= 5; t++)
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#333\"/>"
                   "<text class=\"tick\" x=\"%.1f\" y=\"%.1f\" font-size=\"10\" "
                   "text-anchor=\"middle\">%.1f</text>\n", x0 + w * t / 5.0, y,
                x0 + w * t / 5.0, y + 3, x0 + w * t / 5.0, y + 13, t / 5.0);
}

/* y axis ticks 0, 0.2, ... 1 left of a plot spanning [y0, y0 + h] at x. */
static void y_axis_unit(FILE *f, double x, double y0, double h)
{
    for (int t = 0; t <= 5; t++)
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#333\"/>"
                   "<text class=\"tick\" x=\"%.1f\" y=\"%.1f\" font-size=\"10\" "
                   "text-anchor=\"end\">%.1f</text>\n", x - 3, y0 + h - h * t / 5.0, x,
                y0 + h - h * t / 5.0, x - 5, y0 + h - h * t / 5.0 + 3.5, t / 5.0);
}

/* A step of 1, 2 or 5 times a power of ten giving at most five steps to
 * reach 'max'. */
static size_t count_step(size_t max)
{
    size_t step = 1;
    for (;;) {
        if ((max + step - 1) / step <= 5)
            return step;
        if ((max + 2 * step - 1) / (2 * step) <= 5)
            return 2 * step;
        if ((max + 5 * step - 1) / (5 * step) <= 5)
            return 5 * step;
        step *= 10;
    }
}

void cxr_svg_histogram(FILE *f, const char *title, const size_t *counts, int nbins,
                       double threshold, size_t colour)
{
    const double W = 320, H = 196, y0 = 10, ph = 140;
    size_t max = 1, step, top;
    char label[32];
    double x0, pw;

    for (int b = 0; b < nbins; b++)
        max = counts[b] > max ? counts[b] : max;
    step = count_step(max);
    top = (max + step - 1) / step * step;
    snprintf(label, sizeof(label), "%zu", top);
    x0 = 18 + cxr_svg_text_width(label, 10) + 8; /* y title, tick labels, ticks */
    pw = W - x0 - 14;
    open_svg(f, "histogram", (int)W, (int)H, title);
    for (int b = 0; b < nbins; b++) {
        double h = ph * (double)counts[b] / (double)top;
        fprintf(f, "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                   "fill=\"%s\"><title>[%.2f, %.2f%s: %zu</title></rect>\n",
                x0 + pw * b / nbins + 0.5, y0 + ph - h, pw / nbins - 1, h,
                cxr_svg_colour(colour), (double)b / nbins, (double)(b + 1) / nbins,
                b == nbins - 1 ? "]" : ")", counts[b]);
    }
    fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#333\"/>\n", x0,
            y0, x0, y0 + ph);
    for (size_t v = 0; v <= top; v += step) {
        double y = y0 + ph - ph * (double)v / (double)top;
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#333\"/>"
                   "<text class=\"tick\" x=\"%.1f\" y=\"%.1f\" font-size=\"10\" "
                   "text-anchor=\"end\">%zu</text>\n", x0 - 3, y, x0, y, x0 - 5, y + 3.5, v);
    }
    fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#000\" "
               "stroke-dasharray=\"4 3\"/>\n", x0 + pw * threshold, y0, x0 + pw * threshold,
            y0 + ph);
    x_axis(f, x0, pw, y0 + ph);
    axis_title(f, x0 + pw / 2, y0 + ph + 30, 0, "score");
    axis_title(f, 11, y0 + ph / 2, 1, "count");
    fputs("</svg>\n", f);
}

void cxr_svg_boxplots(FILE *f, const char *const *labels, const cxr_describe *d,
                      const size_t *colours, size_t n, double threshold)
{
    const double pw = 400, row = 30, y0 = 10;
    double x0 = 0;
    int W, H = (int)(y0 + row * (double)n + 44);
    char count[48];

    for (size_t i = 0; i < n; i++) { /* the label column fits the longest label */
        double w;
        snprintf(count, sizeof(count), " (n=%zu)", d[i].n);
        w = cxr_svg_text_width(labels[i], 12) + cxr_svg_text_width(count, 12);
        x0 = w > x0 ? w : x0;
    }
    x0 += 18;
    W = (int)(x0 + pw + 20);
    open_svg(f, "boxplot", W, H, "score distribution per set");
    for (size_t i = 0; i < n; i++) {
        double y = y0 + row * (double)i + row / 2;
        const char *c = cxr_svg_colour(colours[i]);
        fprintf(f, "<text class=\"label\" x=\"%.1f\" y=\"%.1f\" font-size=\"12\" "
                   "text-anchor=\"end\">", x0 - 8, y + 4);
        cxr_html_escape(f, labels[i]);
        fprintf(f, " (n=%zu)</text>\n", d[i].n);
        if (d[i].n == 0 || isnan(d[i].median))
            continue;
        fprintf(f, "<g class=\"box\"><line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                   "stroke=\"%s\"/>\n", x0 + pw * d[i].min, y, x0 + pw * d[i].max, y, c);
        fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\" "
                   "fill-opacity=\"0.35\" stroke=\"%s\"/>\n", x0 + pw * d[i].q1, y - 9,
                fmax(pw * (d[i].q3 - d[i].q1), 1.0), 18.0, c, c);
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                   "stroke-width=\"3\"/><title>median %.3f, quartiles %.3f to %.3f, range "
                   "%.3f to %.3f</title></g>\n", x0 + pw * d[i].median, y - 9,
                x0 + pw * d[i].median, y + 9, c, d[i].median, d[i].q1, d[i].q3, d[i].min,
                d[i].max);
    }
    fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#000\" "
               "stroke-dasharray=\"4 3\"/>\n", x0 + pw * threshold, y0, x0 + pw * threshold,
            y0 + row * (double)n);
    x_axis(f, x0, pw, y0 + row * (double)n);
    axis_title(f, x0 + pw / 2, y0 + row * (double)n + 32, 0, "score");
    fputs("</svg>\n", f);
}

void cxr_svg_roc(FILE *f, const char *title, const cxr_svg_roc_series *series, size_t n)
{
    const double x0 = 52, y0 = 10, side = 300, legend = y0 + side + 46;
    double W = x0 + side + 20;
    int H = (int)(legend + 18.0 * (double)n + 4);
    char auc[48];

    for (size_t s = 0; s < n; s++) { /* wide enough for the longest legend line */
        double w;
        snprintf(auc, sizeof(auc), " (AUC %.3f)", series[s].auc);
        w = x0 + 18 + cxr_svg_text_width(series[s].label, 11) + cxr_svg_text_width(auc, 11) + 10;
        W = w > W ? w : W;
    }
    open_svg(f, "roc", (int)W, H, title);
    fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" "
               "stroke=\"#333\"/>\n", x0, y0, side, side);
    fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#999\" "
               "stroke-dasharray=\"4 3\"/>\n", x0, y0 + side, x0 + side, y0);
    x_axis(f, x0, side, y0 + side);
    y_axis_unit(f, x0, y0, side);
    for (size_t s = 0; s < n; s++) {
        fprintf(f, "<polyline class=\"curve\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\" "
                   "points=\"", cxr_svg_colour(s));
        for (size_t i = 0; i < series[s].npoints; i++)
            if (!isnan(series[s].fpr[i]) && !isnan(series[s].tpr[i]))
                fprintf(f, "%.2f,%.2f ", x0 + side * series[s].fpr[i],
                        y0 + side * (1 - series[s].tpr[i]));
        fputs("\"><title>", f);
        cxr_html_escape(f, series[s].label);
        fputs("</title></polyline>\n", f);
        fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"12\" height=\"12\" fill=\"%s\"/>"
                   "<text class=\"legend\" x=\"%.1f\" y=\"%.1f\" font-size=\"11\">", x0,
                legend + 18.0 * s, cxr_svg_colour(s), x0 + 18, legend + 10 + 18.0 * s);
        cxr_html_escape(f, series[s].label);
        fprintf(f, " (AUC %.3f)</text>\n", series[s].auc);
    }
    axis_title(f, x0 + side / 2, y0 + side + 30, 0, "false positive rate");
    axis_title(f, 14, y0 + side / 2, 1, "true positive rate");
    fputs("</svg>\n", f);
}

static void cell(FILE *f, double x, double y, size_t v, size_t total, const char *label,
                 int correct)
{
    double share = total ? (double)v / (double)total : 0;
    fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"90\" height=\"50\" fill=\"%s\" "
               "fill-opacity=\"%.2f\" stroke=\"#333\"><title>%s: %zu</title></rect>\n",
            x, y, correct ? "#229954" : "#c0392b", 0.15 + 0.6 * share, label, v);
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"15\" text-anchor=\"middle\">%zu</text>"
               "<text x=\"%.1f\" y=\"%.1f\" font-size=\"9\" text-anchor=\"middle\">%s</text>\n",
            x + 45, y + 28, v, x + 45, y + 42, label);
}

void cxr_svg_confusion(FILE *f, const char *title, const cxr_confusion *c)
{
    size_t total = c->tp + c->fn + c->fp + c->tn;
    open_svg(f, "confusion", 300, 150, title);
    fputs("<text x=\"190\" y=\"14\" font-size=\"11\" text-anchor=\"middle\">predicted</text>"
          "<text x=\"145\" y=\"30\" font-size=\"11\" text-anchor=\"middle\">positive</text>"
          "<text x=\"235\" y=\"30\" font-size=\"11\" text-anchor=\"middle\">negative</text>"
          "<text x=\"95\" y=\"65\" font-size=\"11\" text-anchor=\"end\">true positive</text>"
          "<text x=\"95\" y=\"115\" font-size=\"11\" text-anchor=\"end\">true negative</text>\n",
          f);
    cell(f, 100, 36, c->tp, total, "true positives", 1);
    cell(f, 190, 36, c->fn, total, "false negatives", 0);
    cell(f, 100, 86, c->fp, total, "false positives", 0);
    cell(f, 190, 86, c->tn, total, "true negatives", 1);
    fputs("</svg>\n", f);
}
