#ifndef LOUPE_JPEG_H
#define LOUPE_JPEG_H

#include <stddef.h>

/* A decoded JPEG: 8-bit samples, rows top to bottom, 1 (gray) or 3 (RGB) channels. */
typedef struct {
    unsigned char *pixels; /* malloc'd by loupe_jpeg_decode; release with loupe_jpeg_free */
    int width;
    int height;
    int channels;
    char message[256];     /* why decoding failed, when it did */
} loupe_jpeg_image;

/* Decodes `size` bytes of JPEG. Returns 0 on success; otherwise nonzero with `message`
   set and nothing left allocated. Never exits the process: libjpeg's fatal errors are
   caught with setjmp/longjmp entirely inside C, where that is safe. A premature end of
   data (a truncated file) is an error, not the gray padding libjpeg would substitute.
   Images with more than `max_pixels` pixels are refused before any allocation. */
int loupe_jpeg_decode(const unsigned char *data, size_t size, long max_pixels,
                      loupe_jpeg_image *out);

void loupe_jpeg_free(loupe_jpeg_image *image);

#endif
