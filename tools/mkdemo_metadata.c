/* mkdemo_metadata.c: the demo's ieee8023 mirror: an old-format (28-column)
 * metadata.csv with the real file's quirks (RFC 4180 quoting, a trailing
 * comma on the header, free-text dates in every form, a non-numeric patient
 * id, a stray offset, text spilled into the unnamed last column) and the
 * images its rows name under images/. All rows and pictures are synthetic.
 *
 * With the demo's filters (X-ray, PA, images, COVID-19) select keeps the 16
 * rows marked KEEP below; the 6 dated in March 2020 are held out; 4 kept
 * rows cannot be dated ("2020" twice, empty, "January 12") and train. */
#include <stdio.h>
#include <string.h>

#include "mkdemo.h"

/* The header of ieee8023 metadata.csv at the recipe's commit, verbatim. */
static const char header[] =
    "patientid,offset,sex,age,finding,survival,intubated,intubation_present,went_icu,"
    "needed_supplemental_O2,extubated,temperature,pO2_saturation,leukocyte_count,"
    "neutrophil_count,lymphocyte_count,view,modality,date,location,folder,filename,doi,"
    "url,license,clinical_notes,other_notes,\n";

typedef struct row {
    const char *patient, *offset, *sex, *age, *finding, *view, *modality, *date;
    const char *folder, *filename, *notes, *spill;
    mkdemo_look look;
    mkdemo_format fmt; /* what the file really is, whatever its name says */
    int channels;
} row;

#define SYN "synthetic picture made by cxrprep-mkdemo, not a patient"
#define X "X-ray"
#define COV "COVID-19"
#define C MKDEMO_LOOK_COVID
#define N MKDEMO_LOOK_NORMAL
#define P MKDEMO_LOOK_PNEUMONIA
#define J MKDEMO_JPEG
#define G MKDEMO_PNG

/* In file order; KEEP: selected (T: trains, H: held out, U: undated). */
static const row rows[] = {
    {"1", "0", "M", "65", COV, "PA", X, "January 22, 2020", "images",
     "demo-covid-p1-day0.jpeg", SYN, "", C, J, 1}, /* KEEP T */
    {"1", "3", "M", "65", COV, "PA", X, "January 25, 2020", "images",
     "demo-covid-p1-day3.jpeg", SYN, "", C, J, 3}, /* KEEP T */
    {"20", "10", "M", "70", COV, "Axial", "CT", "2020", "volumes",
     "demo-covid-ct-p20-dcm.nii.gz", SYN, "", C, J, 0}, /* CT volume, no file */
    {"2", "", "F", "54", COV, "PA", X, "Feb 21, 2020", "images", "demo-covid-p2.jpg", SYN,
     "", C, J, 1}, /* KEEP T */
    {"22", "4", "M", "48", COV, "AP", X, "Mar 8, 2020", "images",
     "demo-covid-p22-ap.jpeg", SYN, "", C, J, 1}, /* AP view */
    {"3", "", "M", "", COV, "PA", X, "2020", "images", "demo-covid-p3.png", SYN, "", C, G,
     1}, /* KEEP T U */
    {"9", "0", "F", "39", COV, "PA", X, "Mar 3, 2020", "images", "demo-covid-p9.jpeg", SYN,
     "", C, J, 1}, /* KEEP H */
    {"24", "0", "M", "60", "COVID-19, ARDS", "PA", X, "2020", "images",
     "demo-ards-p24.jpg", SYN, "", C, J, 1}, /* finding is not COVID-19 */
    {"4", "", "F", "71", COV, "PA", X, "", "images", "demo-covid-p4.png", SYN, "", C, G,
     4}, /* KEEP T U */
    {"10", "5", "M", "58", COV, "PA", X, "3/7/2020", "images", "demo-covid-p10.jpg", SYN,
     "", C, J, 3}, /* KEEP H */
    {"25", "4", "M", "74", "SARS", "PA", X, "March 2003", "images", "demo-sars-p25.jpeg",
     "SARS in a synthetic 74-year-old, day 4", "spilled text, in the unnamed column", C, J,
     1},
    {"5", "", "M", "", COV, "PA", X, "January 12", "images", "demo-covid-p5.jpeg", SYN, "",
     C, J, 1}, /* KEEP T U */
    {"21", "2", "F", "66", COV, "Axial", "CT", "March 5, 2020", "images",
     "demo-covid-ct-p21.jpg", SYN, "", C, J, 1}, /* CT slice */
    {"11", "", "F", "45", COV, "PA", X, "03/16/20", "images", "demo-covid-p11.png", SYN, "",
     C, G, 2}, /* KEEP H */
    {"6", "7", "M", "50", COV, "PA", X, "February 5, 2020", "images", "demo-covid-p6.png",
     SYN " (a JPEG file named .png, as in the real dataset)", "", C, J, 1}, /* KEEP T */
    {"26", "0", "F", "33", "Streptococcus", "PA", X, "2019", "images",
     "demo-strep-p26.jpg", "the synthetic patient said \"cough, fever\"", "", P, J, 1},
    {"12", "0", "M", "62", COV, "PA", X, "Feb 28, 2020", "images",
     "demo-covid-p12-a.jpeg", SYN, "", C, J, 1}, /* KEEP T */
    {"23", "1", "M", "77", COV, "AP Supine", X, "3/12/2020", "images",
     "demo-covid-p23-supine.jpg", SYN, "", C, J, 1}, /* AP supine view */
    {"12", "5", "M", "62", COV, "PA", X, "March 4, 2020", "images",
     "demo-covid-p12-b.jpeg", SYN, "", C, J, 1}, /* KEEP H */
    {"7", "", "F", "", COV, "PA", X, "2020", "images", "demo-covid-p7.jpg", SYN, "", C, J,
     1}, /* KEEP T U */
    {"27", "", "M", "40", "No Finding", "PA", X, "", "images", "demo-nofinding-p27.png", SYN,
     "", N, G, 1},
    {"13", "-5", "M", "68", COV, "PA", X, "3/25/2020", "images", "demo-covid-p13.jpeg", SYN,
     "", C, J, 1}, /* KEEP H */
    {"28", "3", "F", "57", COV, "L", X, "March 10, 2020", "images",
     "demo-covid-p28-lateral.jpeg", SYN, "", C, J, 1}, /* lateral view */
    {"331a", " ", "F", "36", COV, "PA", X, "April 2, 2020", "images",
     "demo-covid-p331a.jpeg", SYN, "", C, J, 1}, /* KEEP T */
    {"29", "0", "M", "44", "Pneumocystis", "PA", X, "2020", "images", "demo-pcp-p29.jpg",
     SYN, "", P, J, 1},
    {"14", "", "M", "52", COV, "PA", X, "March 2020", "images", "demo-covid-p14.jpg", SYN,
     "", C, J, 1}, /* KEEP H (a month wholly inside the window) */
};

/* RFC 4180: quote a field that holds a comma, a quote or a line break. */
static void put_field(mkdemo_buf *b, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        mkdemo_buf_str(b, s);
        return;
    }
    mkdemo_buf_byte(b, '"');
    for (; *s; s++) {
        if (*s == '"')
            mkdemo_buf_byte(b, '"');
        mkdemo_buf_byte(b, (unsigned char)*s);
    }
    mkdemo_buf_byte(b, '"');
}

static void put_row(mkdemo_buf *b, const row *r)
{
    char url[128];
    const char *fields[MKDEMO_META_COLUMNS] = {0};
    snprintf(url, sizeof(url), "https://example.org/cxrprep-demo/case-%s", r->patient);
    fields[0] = r->patient;
    fields[1] = r->offset;
    fields[2] = r->sex;
    fields[3] = r->age;
    fields[4] = r->finding;
    fields[16] = r->view;
    fields[17] = r->modality;
    fields[18] = r->date;
    fields[19] = "Synthetic General Hospital, Demo City";
    fields[20] = r->folder;
    fields[21] = r->filename;
    fields[23] = url;
    fields[24] = "CC0-1.0";
    fields[25] = r->notes;
    fields[27] = r->spill;
    for (int i = 0; i < MKDEMO_META_COLUMNS; i++) {
        if (i)
            mkdemo_buf_byte(b, ',');
        put_field(b, fields[i] ? fields[i] : "");
    }
    mkdemo_buf_byte(b, '\n');
}

/* FNV-1a: each picture's seed comes from its file name. */
static uint64_t name_seed(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
    return h;
}

static cxr_status write_image(const char *outdir, const row *r, cxr_error *err)
{
    mkdemo_buf img = {0};
    char name[256];
    cxr_status st = mkdemo_image(name_seed(r->filename), r->look, r->fmt, r->channels, &img,
                                 err);
    snprintf(name, sizeof(name), "images/%s", r->filename);
    if (st == CXR_OK)
        st = mkdemo_write_file(outdir, name, img.data, img.len, err);
    mkdemo_buf_free(&img);
    return st;
}

cxr_status mkdemo_write_metadata(const char *outdir, cxr_error *err)
{
    mkdemo_buf csv = {0};
    cxr_status st = CXR_OK;
    size_t n = sizeof(rows) / sizeof(rows[0]);

    if (n != MKDEMO_META_ROWS)
        return cxr_fail(err, CXR_ERR_INTERNAL, "mkdemo: %zu metadata rows, want %d", n,
                        MKDEMO_META_ROWS);
    mkdemo_buf_str(&csv, header);
    for (size_t i = 0; i < n && st == CXR_OK; i++) {
        put_row(&csv, &rows[i]);
        if (strcmp(rows[i].folder, "images") == 0)
            st = write_image(outdir, &rows[i], err);
    }
    if (st == CXR_OK)
        st = mkdemo_write_file(outdir, "metadata.csv", csv.data, csv.len, err);
    mkdemo_buf_free(&csv);
    return st;
}
