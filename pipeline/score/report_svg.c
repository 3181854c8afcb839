/* report_svg.c: inline SVG charts for the score report; plain text output,
 * no scripts, fonts or network, so the report renders anywhere. */
#include "report_svg.h"

#include <math.h>

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

static void open_svg(FILE *f, const char *kind, int w, int h, const char *title)
{
    fprintf(f, "<svg class=\"chart %s\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
               "height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\"><title>", kind, w, h, w, h);
    cxr_html_escape(f, title);
    fputs("</title>\n", f);
}

/* x axis ticks 0, 0.2, ... 1 under a plot spanning [x0, x0 + w] at y. */
static void x_axis(FILE *f, double x0, double w, double y)
{
    fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#333\"/>\n",
            x0, y, x0 + w, y);
    for (int t = 0; t <= 5; t++)
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" text-anchor=\"middle\">%.1f"
                   "</text>\n", x0 + w * t / 5.0, y + 13, t / 5.0);
}

void cxr_svg_histogram(FILE *f, const char *title, const size_t *counts, int nbins,
                       double threshold, size_t colour)
{
    const double W = 320, H = 180, x0 = 34, y0 = 12, pw = 276, ph = 140;
    size_t max = 1;

    for (int b = 0; b < nbins; b++)
        max = counts[b] > max ? counts[b] : max;
    open_svg(f, "histogram", (int)W, (int)H, title);
    for (int b = 0; b < nbins; b++) {
        double h = ph * (double)counts[b] / (double)max;
        fprintf(f, "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                   "fill=\"%s\"><title>[%.2f, %.2f%s: %zu</title></rect>\n",
                x0 + pw * b / nbins + 0.5, y0 + ph - h, pw / nbins - 1, h,
                cxr_svg_colour(colour), (double)b / nbins, (double)(b + 1) / nbins,
                b == nbins - 1 ? "]" : ")", counts[b]);
    }
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" text-anchor=\"end\">%zu</text>\n",
            x0 - 4, y0 + 8, max);
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" text-anchor=\"end\">0</text>\n",
            x0 - 4, y0 + ph);
    fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#000\" "
               "stroke-dasharray=\"4 3\"/>\n", x0 + pw * threshold, y0, x0 + pw * threshold,
            y0 + ph);
    x_axis(f, x0, pw, y0 + ph);
    fputs("</svg>\n", f);
}

void cxr_svg_boxplots(FILE *f, const char *const *names, const cxr_describe *d, size_t n,
                      double threshold)
{
    const double x0 = 230, pw = 400, row = 34, y0 = 10;
    int H = (int)(y0 + row * (double)n + 24);

    open_svg(f, "boxplot", 660, H, "score distribution per set");
    for (size_t i = 0; i < n; i++) {
        double y = y0 + row * (double)i + row / 2;
        const char *c = cxr_svg_colour(i);
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" text-anchor=\"end\">",
                x0 - 8, y + 4);
        cxr_html_escape(f, names[i]);
        fprintf(f, " (n=%zu)</text>\n", d[i].n);
        if (d[i].n == 0 || isnan(d[i].median))
            continue;
        fprintf(f, "<g class=\"box\"><line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                   "stroke=\"%s\"/>\n", x0 + pw * d[i].min, y, x0 + pw * d[i].max, y, c);
        fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\" "
                   "fill-opacity=\"0.35\" stroke=\"%s\"/>\n", x0 + pw * d[i].q1, y - 10,
                fmax(pw * (d[i].q3 - d[i].q1), 1.0), 20.0, c, c);
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                   "stroke-width=\"3\"/><title>median %.3f, quartiles %.3f to %.3f, range "
                   "%.3f to %.3f</title></g>\n", x0 + pw * d[i].median, y - 10,
                x0 + pw * d[i].median, y + 10, c, d[i].median, d[i].q1, d[i].q3, d[i].min,
                d[i].max);
    }
    fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#000\" "
               "stroke-dasharray=\"4 3\"/>\n", x0 + pw * threshold, y0, x0 + pw * threshold,
            y0 + row * (double)n);
    x_axis(f, x0, pw, y0 + row * (double)n);
    fputs("</svg>\n", f);
}

void cxr_svg_roc(FILE *f, const cxr_svg_roc_series *series, size_t n)
{
    const double x0 = 40, y0 = 10, side = 300;
    int H = (int)(y0 + side + 40 + 18.0 * (double)n);

    open_svg(f, "roc", 660, H, "ROC curves");
    fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" "
               "stroke=\"#333\"/>\n", x0, y0, side, side);
    fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#999\" "
               "stroke-dasharray=\"4 3\"/>\n", x0, y0 + side, x0 + side, y0);
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
                   "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\">", x0,
                y0 + side + 40 + 18.0 * s, cxr_svg_colour(s), x0 + 18,
                y0 + side + 50 + 18.0 * s);
        cxr_html_escape(f, series[s].label);
        fprintf(f, " (AUC %.3f)</text>\n", series[s].auc);
    }
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"middle\">false "
               "positive rate (1 - specificity)</text>\n", x0 + side / 2, y0 + side + 28);
    fprintf(f, "<text x=\"12\" y=\"%.1f\" font-size=\"11\" text-anchor=\"middle\" "
               "transform=\"rotate(-90 12 %.1f)\">true positive rate (sensitivity)</text>\n",
            y0 + side / 2, y0 + side / 2);
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
