/* Reads two files from the preopened folder `data` (a copy of the case's files/data). */
#include <stdio.h>
#include <stdlib.h>

int main(void) {
    FILE *numbers = fopen("data/numbers.txt", "r");
    if (!numbers) {
        perror("data/numbers.txt");
        return 1;
    }
    long count = 0, sum = 0, min = 0, max = 0, value;
    while (fscanf(numbers, "%ld", &value) == 1) {
        if (count == 0 || value < min) min = value;
        if (count == 0 || value > max) max = value;
        sum += value;
        count++;
    }
    fclose(numbers);
    printf("count=%ld sum=%ld min=%ld max=%ld\n", count, sum, min, max);
    FILE *note = fopen("data/sub/note.txt", "r");
    if (!note) {
        perror("data/sub/note.txt");
        return 1;
    }
    char line[256];
    while (fgets(line, sizeof line, note)) printf("note: %s", line);
    fclose(note);
    return 0;
}
