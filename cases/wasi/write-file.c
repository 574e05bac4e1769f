/* Writes into the read-write preopen `out`: a text file, a folder, a binary file. The
   folder is compared with the case's files/expected-out afterwards. */
#include <stdio.h>
#include <sys/stat.h>

int main(void) {
    FILE *report = fopen("out/report.txt", "w");
    if (!report) {
        perror("out/report.txt");
        return 1;
    }
    for (int i = 1; i <= 5; i++) fprintf(report, "line %d of 5\n", i);
    fclose(report);
    if (mkdir("out/nested", 0755) != 0) {
        perror("out/nested");
        return 1;
    }
    FILE *bytes = fopen("out/nested/bytes.bin", "wb");
    if (!bytes) {
        perror("out/nested/bytes.bin");
        return 1;
    }
    for (int i = 0; i < 256; i++) fputc(i, bytes);
    fclose(bytes);
    puts("wrote 2 files");
    return 0;
}
