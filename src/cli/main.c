/* main.c — entry point of the `huginn` command (placeholder until the CLI lands). */
#include <stdio.h>

#include "huginn/status.h"
#include "huginn/version.h"

int main(int argc, char **argv) {
    (void)argc;
    (void)argv;
    printf("huginn %s (%s)\n", HGN_VERSION, HGN_GIT_REVISION);
    return 0;
}
