/*
 * snoop_pyfind.c - where a process's CPython keeps its _PyRuntime
 * (snoop_pyfind.h).
 */
#include "snoop_pyfind.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "snoop_symbol.h"

#define PAGE_MASK_4K (~0xfffULL)
#define CACHE 8

/* Symbol lookups by file: a host runs many Pythons from few files, and
 * a libpython's symbol table is large. */
static struct {
	dev_t dev;
	ino_t ino;
	unsigned long long value, exec_vaddr;
	bool used;
} cache[CACHE];
static unsigned cache_next;

static bool name_is_python(const char *base, const char *ver)
{
	size_t n = strlen(ver);

	if (strncmp(base, "python", 6) == 0)
		return strncmp(base + 6, ver, n) == 0 && base[6 + n] == '\0';
	return strncmp(base, "libpython", 9) == 0 && strncmp(base + 9, ver, n) == 0 &&
	       strncmp(base + 9 + n, ".so", 3) == 0;
}

bool pyfind_maps_line(const char *line, const char *ver, unsigned long long *start,
		      char *path, size_t size)
{
	unsigned long long end, offset;
	char perms[8];
	const char *p, *base;
	int used = 0;
	size_t len;

	if (sscanf(line, "%llx-%llx %7s %llx %*s %*u %n", start, &end, perms, &offset, &used) < 4 ||
	    !used || perms[2] != 'x')
		return false;
	p = line + used;
	len = strcspn(p, "\n");
	if (!len || p[0] != '/' || len >= size)
		return false;
	if (len > 10 && strncmp(p + len - 10, " (deleted)", 10) == 0)
		return false;	/* replaced on disk: its symbols may not be these */
	memcpy(path, p, len);
	path[len] = '\0';
	base = strrchr(path, '/') + 1;
	return name_is_python(base, ver);
}

unsigned long long pyfind_address(unsigned long long start, unsigned long long exec_vaddr,
				  unsigned long long value)
{
	return start - (exec_vaddr & PAGE_MASK_4K) + value;
}

/* The file as the process sees it (its mount namespace may not be ours). */
static void in_root(pid_t pid, const char *path, char *out, size_t size)
{
	snprintf(out, size, "/proc/%d/root%s", (int)pid, path);
}

static int symbol_of(const char *file, unsigned long long *value, unsigned long long *exec_vaddr)
{
	struct stat sb;
	unsigned i;
	int err;

	if (stat(file, &sb))
		return errno;
	for (i = 0; i < CACHE; i++)
		if (cache[i].used && cache[i].dev == sb.st_dev && cache[i].ino == sb.st_ino) {
			*value = cache[i].value;
			*exec_vaddr = cache[i].exec_vaddr;
			return 0;
		}
	err = sym_elf_lookup(file, "_PyRuntime", value, exec_vaddr);
	if (err)
		return err;
	i = cache_next++ % CACHE;
	cache[i].dev = sb.st_dev;
	cache[i].ino = sb.st_ino;
	cache[i].value = *value;
	cache[i].exec_vaddr = *exec_vaddr;
	cache[i].used = true;
	return 0;
}

int pyfind_runtime(pid_t pid, const char *ver, unsigned long long *addr)
{
	char maps[64], line[PATH_MAX + 128], path[PATH_MAX], file[PATH_MAX + 32];
	unsigned long long start, value, exec_vaddr;
	int err = ENOENT;
	FILE *f;

	snprintf(maps, sizeof(maps), "/proc/%d/maps", (int)pid);
	f = fopen(maps, "re");
	if (!f)
		return errno;
	while (err == ENOENT && fgets(line, sizeof(line), f)) {
		if (!pyfind_maps_line(line, ver, &start, path, sizeof(path)))
			continue;
		in_root(pid, path, file, sizeof(file));
		if (symbol_of(file, &value, &exec_vaddr) == 0) {
			*addr = pyfind_address(start, exec_vaddr, value);
			err = 0;
		}
	}
	fclose(f);
	return err;
}

/* DT_NEEDED of an ELF file: whether one names libpython<ver>.so. */
static bool needs_libpython(Elf *elf, const char *ver)
{
	Elf_Scn *scn = NULL;
	bool found = false;

	while (!found && (scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *data;
		size_t k;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_DYNAMIC || !sh.sh_entsize)
			continue;
		data = elf_getdata(scn, NULL);
		for (k = 0; data && !found && k < sh.sh_size / sh.sh_entsize; k++) {
			GElf_Dyn dyn;
			const char *s;

			if (!gelf_getdyn(data, (int)k, &dyn) || dyn.d_tag != DT_NEEDED)
				continue;
			s = elf_strptr(elf, sh.sh_link, dyn.d_un.d_val);
			found = s && name_is_python(s, ver);
		}
	}
	return found;
}

bool pyfind_wants_python(pid_t pid, const char *ver)
{
	char exe[64], target[PATH_MAX];
	const char *base;
	bool wants = false;
	ssize_t n;
	Elf *elf;
	int fd;

	snprintf(exe, sizeof(exe), "/proc/%d/exe", (int)pid);
	n = readlink(exe, target, sizeof(target) - 1);
	if (n <= 0)
		return false;
	target[n] = '\0';
	base = strrchr(target, '/') ? strrchr(target, '/') + 1 : target;
	if (name_is_python(base, ver))
		return true;
	fd = open(exe, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (elf) {
		wants = needs_libpython(elf, ver);
		elf_end(elf);
	}
	close(fd);
	return wants;
}
