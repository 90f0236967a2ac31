#include "loupe_jpeg.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>
#include <jerror.h>

/* libjpeg reports fatal errors through error_exit, whose default calls exit(). Swift
   frames cannot be unwound by longjmp, so the jump happens here, between C frames. */
struct loupe_error {
    struct jpeg_error_mgr pub;
    jmp_buf jump;
    char *message;
};

static void loupe_error_exit(j_common_ptr cinfo) {
    struct loupe_error *err = (struct loupe_error *)cinfo->err;
    char buffer[JMSG_LENGTH_MAX];
    (*cinfo->err->format_message)(cinfo, buffer);
    snprintf(err->message, 256, "%s", buffer);
    longjmp(err->jump, 1);
}

/* Warnings are counted, not printed; running out of data is promoted to an error
   because libjpeg would otherwise silently fill the rest of the image with gray. */
static void loupe_emit_message(j_common_ptr cinfo, int level) {
    if (level < 0) {
        if (cinfo->err->msg_code == JWRN_JPEG_EOF) loupe_error_exit(cinfo);
        cinfo->err->num_warnings++;
    }
}

int loupe_jpeg_decode(const unsigned char *data, size_t size, long max_pixels,
                      loupe_jpeg_image *out) {
    struct jpeg_decompress_struct cinfo;
    struct loupe_error err;
    unsigned char *volatile pixels = NULL;
    unsigned char *volatile row = NULL;

    memset(out, 0, sizeof(*out));
    err.message = out->message;
    cinfo.err = jpeg_std_error(&err.pub);
    err.pub.error_exit = loupe_error_exit;
    err.pub.emit_message = loupe_emit_message;
    if (setjmp(err.jump)) {
        jpeg_destroy_decompress(&cinfo);
        free(pixels);
        free(row);
        return 1;
    }
    jpeg_create_decompress(&cinfo);
    if (size == 0 || size > (size_t)(unsigned long)-1) {
        snprintf(out->message, sizeof(out->message), "empty or oversized input (%zu bytes)", size);
        jpeg_destroy_decompress(&cinfo);
        return 1;
    }
    jpeg_mem_src(&cinfo, data, (unsigned long)size);
    jpeg_read_header(&cinfo, TRUE);

    int cmyk = 0;
    switch (cinfo.jpeg_color_space) {
    case JCS_GRAYSCALE: cinfo.out_color_space = JCS_GRAYSCALE; break;
    case JCS_CMYK:
    case JCS_YCCK: cinfo.out_color_space = JCS_CMYK; cmyk = 1; break;
    default: cinfo.out_color_space = JCS_RGB; break;
    }
    jpeg_start_decompress(&cinfo);

    long w = (long)cinfo.output_width, h = (long)cinfo.output_height;
    int comps = cinfo.output_components;
    if (w <= 0 || h <= 0 || w > max_pixels / h) {
        snprintf(out->message, sizeof(out->message),
                 "%ldx%ld is larger than the %ld pixels allowed", w, h, max_pixels);
        jpeg_destroy_decompress(&cinfo);
        return 1;
    }
    int channels = cmyk ? 3 : comps;
    if (!(comps == 1 || comps == 3 || (cmyk && comps == 4))) {
        snprintf(out->message, sizeof(out->message), "unsupported number of components: %d", comps);
        jpeg_destroy_decompress(&cinfo);
        return 1;
    }
    pixels = malloc((size_t)w * (size_t)h * (size_t)channels);
    row = malloc((size_t)w * (size_t)comps);
    if (!pixels || !row) {
        snprintf(out->message, sizeof(out->message), "out of memory for %ldx%ld pixels", w, h);
        jpeg_destroy_decompress(&cinfo);
        free(pixels);
        free(row);
        return 1;
    }
    /* Adobe writes CMYK inverted (255 = no ink); others store ink amounts. */
    int inverted = cinfo.saw_Adobe_marker;
    while (cinfo.output_scanline < cinfo.output_height) {
        long y = (long)cinfo.output_scanline;
        JSAMPROW rows[1] = {row};
        if (jpeg_read_scanlines(&cinfo, rows, 1) != 1) {
            snprintf(out->message, sizeof(out->message), "no data for row %ld", y);
            jpeg_destroy_decompress(&cinfo);
            free(pixels);
            free(row);
            return 1;
        }
        unsigned char *dst = pixels + (size_t)y * (size_t)w * (size_t)channels;
        if (!cmyk) {
            memcpy(dst, row, (size_t)w * (size_t)comps);
        } else {
            for (long x = 0; x < w; x++) {
                int c = row[4 * x], m = row[4 * x + 1], yy = row[4 * x + 2], k = row[4 * x + 3];
                if (!inverted) { c = 255 - c; m = 255 - m; yy = 255 - yy; k = 255 - k; }
                dst[3 * x] = (unsigned char)((c * k + 127) / 255);
                dst[3 * x + 1] = (unsigned char)((m * k + 127) / 255);
                dst[3 * x + 2] = (unsigned char)((yy * k + 127) / 255);
            }
        }
    }
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    free(row);
    out->pixels = pixels;
    out->width = (int)w;
    out->height = (int)h;
    out->channels = channels;
    return 0;
}

void loupe_jpeg_free(loupe_jpeg_image *image) {
    if (image) {
        free(image->pixels);
        image->pixels = NULL;
    }
}
