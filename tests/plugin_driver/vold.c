/*
 * vold: a tiny Docker volume plugin for aiodock's tests.
 *
 * It serves the plugin protocol (HTTP/1.1 POST with JSON bodies) on the unix
 * socket /run/docker/plugins/vol.sock inside the plugin, and keeps each
 * volume as a directory under /data, the plugin's propagated mount: the
 * engine sees those directories on the host, so Mount needs no mount
 * syscall and the plugin needs no capability for it.
 *
 * Volume.Status carries {"greeting": $GREETING}, so a test can see that a
 * setting made with `docker plugin set` reached the plugin's environment.
 *
 * Built statically by the test fixture: gcc -static -O2 -o vold vold.c
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define SOCKET_DIR "/run/docker/plugins"
#define SOCKET_PATH SOCKET_DIR "/vol.sock"
#define DATA "/data"
#define MAX_REQUEST 65536
#define MAX_REPLY 65536

static int read_request(int fd, char *buf, size_t size, char **body) {
    size_t used = 0;
    char *end = NULL;
    while (used < size - 1) {
        ssize_t n = read(fd, buf + used, size - 1 - used);
        if (n <= 0)
            return -1;
        used += (size_t)n;
        buf[used] = 0;
        end = strstr(buf, "\r\n\r\n");
        if (end != NULL)
            break;
    }
    if (end == NULL)
        return -1;
    *body = end + 4;
    long length = 0;
    char *header = strcasestr(buf, "\r\nContent-Length:");
    if (header != NULL)
        length = strtol(header + 17, NULL, 10);
    if (length < 0 || (size_t)length > size - 1 - (size_t)(*body - buf))
        return -1;
    size_t have = used - (size_t)(*body - buf);
    while (have < (size_t)length) {
        ssize_t n = read(fd, buf + used, (size_t)length - have);
        if (n <= 0)
            return -1;
        used += (size_t)n;
        have += (size_t)n;
    }
    buf[used] = 0;
    return 0;
}

/* The value of "Name" in a JSON body, if it is a plain volume name. */
static int volume_name(const char *body, char *name, size_t size) {
    const char *key = strstr(body, "\"Name\"");
    if (key == NULL)
        return -1;
    const char *p = strchr(key + 6, '"');
    if (p == NULL)
        return -1;
    p++;
    size_t len = 0;
    while (p[len] != '"' && p[len] != 0)
        len++;
    if (len == 0 || len >= size || p[len] != '"')
        return -1;
    for (size_t i = 0; i < len; i++) {
        char c = p[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || (c == '.' && i > 0)))
            return -1;
    }
    memcpy(name, p, len);
    name[len] = 0;
    return 0;
}

static void reply(int fd, int status, const char *json) {
    char head[256];
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 %d %s\r\nContent-Type: application/vnd.docker.plugins.v1.1+json\r\n"
                     "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                     status, status == 200 ? "OK" : "Not Found", strlen(json));
    if (write(fd, head, (size_t)n) < 0 || write(fd, json, strlen(json)) < 0)
        perror("vold: write");
}

static void error_reply(int fd, char *out, const char *message) {
    snprintf(out, MAX_REPLY, "{\"Err\":\"%s\"}", message);
    reply(fd, 200, out);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void greeting(char *out, size_t size) {
    const char *value = getenv("GREETING");
    size_t j = 0;
    for (size_t i = 0; value != NULL && value[i] != 0 && j + 1 < size; i++) {
        if (value[i] != '"' && value[i] != '\\' && (unsigned char)value[i] >= 0x20)
            out[j++] = value[i];
    }
    out[j] = 0;
}

static void handle(int fd) {
    static char buf[MAX_REQUEST];
    static char out[MAX_REPLY];
    char *body = NULL;
    char name[256];
    char path[512];
    char hello[256];
    struct stat st;

    if (read_request(fd, buf, sizeof buf, &body) != 0)
        return;
    char method[16], target[256];
    if (sscanf(buf, "%15s %255s", method, target) != 2)
        return;
    fprintf(stderr, "vold: %s %s\n", method, target);

    if (strcmp(target, "/Plugin.Activate") == 0) {
        reply(fd, 200, "{\"Implements\":[\"VolumeDriver\"]}");
        return;
    }
    if (strcmp(target, "/VolumeDriver.Capabilities") == 0) {
        reply(fd, 200, "{\"Capabilities\":{\"Scope\":\"local\"}}");
        return;
    }
    if (strcmp(target, "/VolumeDriver.List") == 0) {
        size_t used = (size_t)snprintf(out, MAX_REPLY, "{\"Volumes\":[");
        DIR *dir = opendir(DATA);
        struct dirent *entry;
        int first = 1;
        while (dir != NULL && (entry = readdir(dir)) != NULL && used + 600 < MAX_REPLY) {
            if (entry->d_name[0] == '.')
                continue;
            used += (size_t)snprintf(out + used, MAX_REPLY - used,
                                     "%s{\"Name\":\"%s\",\"Mountpoint\":\"" DATA "/%s\"}",
                                     first ? "" : ",", entry->d_name, entry->d_name);
            first = 0;
        }
        if (dir != NULL)
            closedir(dir);
        snprintf(out + used, MAX_REPLY - used, "],\"Err\":\"\"}");
        reply(fd, 200, out);
        return;
    }
    if (strncmp(target, "/VolumeDriver.", 14) != 0) {
        reply(fd, 404, "{\"Err\":\"not implemented\"}");
        return;
    }
    const char *call = target + 14;
    if (volume_name(body, name, sizeof name) != 0) {
        error_reply(fd, out, "a volume name of letters, digits, '_', '-' and '.' is needed");
        return;
    }
    snprintf(path, sizeof path, DATA "/%s", name);
    int exists = stat(path, &st) == 0 && S_ISDIR(st.st_mode);

    if (strcmp(call, "Create") == 0) {
        if (!exists && mkdir(path, 0755) != 0) {
            error_reply(fd, out, strerror(errno));
            return;
        }
        reply(fd, 200, "{\"Err\":\"\"}");
    } else if (strcmp(call, "Remove") == 0) {
        if (exists && nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS) != 0) {
            error_reply(fd, out, strerror(errno));
            return;
        }
        reply(fd, 200, "{\"Err\":\"\"}");
    } else if (!exists) {
        error_reply(fd, out, "no such volume");
    } else if (strcmp(call, "Mount") == 0 || strcmp(call, "Path") == 0) {
        snprintf(out, MAX_REPLY, "{\"Mountpoint\":\"%s\",\"Err\":\"\"}", path);
        reply(fd, 200, out);
    } else if (strcmp(call, "Unmount") == 0) {
        reply(fd, 200, "{\"Err\":\"\"}");
    } else if (strcmp(call, "Get") == 0) {
        greeting(hello, sizeof hello);
        snprintf(out, MAX_REPLY,
                 "{\"Volume\":{\"Name\":\"%s\",\"Mountpoint\":\"%s\","
                 "\"Status\":{\"greeting\":\"%s\"}},\"Err\":\"\"}",
                 name, path, hello);
        reply(fd, 200, out);
    } else {
        reply(fd, 404, "{\"Err\":\"not implemented\"}");
    }
}

static void stop(int sig) {
    (void)sig;
    unlink(SOCKET_PATH);
    _exit(0);
}

int main(void) {
    /* PID 1 of its namespace: without a handler SIGTERM is ignored, and
       the engine would wait 10 s before it kills the plugin on disable. */
    signal(SIGTERM, stop);
    signal(SIGINT, stop);
    signal(SIGPIPE, SIG_IGN);
    mkdir("/run", 0755);
    mkdir("/run/docker", 0755);
    mkdir(SOCKET_DIR, 0755);
    mkdir(DATA, 0755);
    unlink(SOCKET_PATH);
    int listener = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    strncpy(addr.sun_path, SOCKET_PATH, sizeof addr.sun_path - 1);
    if (listener < 0 || bind(listener, (struct sockaddr *)&addr, sizeof addr) != 0 ||
        listen(listener, 16) != 0) {
        perror("vold: " SOCKET_PATH);
        return 1;
    }
    fprintf(stderr, "vold: serving on " SOCKET_PATH "\n");
    for (;;) {
        int fd = accept(listener, NULL, NULL);
        if (fd < 0) {
            if (errno == EINTR)
                continue;
            perror("vold: accept");
            return 1;
        }
        handle(fd);
        close(fd);
    }
}
