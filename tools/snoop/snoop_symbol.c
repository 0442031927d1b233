/*
 * snoop_symbol.c - the symbolizer of snoop_symbol.h (libdwfl, libelf).
 */
#include "snoop_symbol.h"

#include <dirent.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwelf.h>
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BUILD_ID_LEN 20

struct module {
	unsigned char build_id[BUILD_ID_LEN];
	char *path;
	Dwfl *dwfl;		/* opened on first use */
	Dwfl_Module *mod;
	bool failed;
};

/* Names already made: a client makes the same requests from the same
 * code over and over (direct-mapped, by build id, offset and kind). */
#define NAME_CACHE 4096
#define NAME_MAX_LEN 256

struct named {
	unsigned char build_id[BUILD_ID_LEN];
	unsigned long long offset;
	int return_address;
	int result;
	bool used;
	char text[NAME_MAX_LEN];
};

/* Processes whose maps were read: not again for each frame. */
#define LEARNT 64

static struct {
	struct module *v;
	size_t n, cap;
	bool scanned;		/* the directories were read once */
	char *debuginfo_path;
	struct named *names;	/* NAME_CACHE entries, allocated on first use */
	unsigned learnt[LEARNT];
	unsigned nlearnt;
} idx;

static const Dwfl_Callbacks offline_callbacks = {
	.find_elf = dwfl_build_id_find_elf,
	.find_debuginfo = dwfl_standard_find_debuginfo,
	.section_address = dwfl_offline_section_address,
	.debuginfo_path = &idx.debuginfo_path,
};

static struct module *find_module(const unsigned char *id)
{
	size_t i;

	for (i = 0; i < idx.n; i++)
		if (memcmp(idx.v[i].build_id, id, BUILD_ID_LEN) == 0)
			return &idx.v[i];
	return NULL;
}

/* Reads the build id of an ELF file; false if it has none (or is not
 * ELF). */
static bool file_build_id(const char *path, unsigned char *id)
{
	const void *bits = NULL;
	bool ok = false;
	ssize_t n;
	Elf *elf;
	int fd;

	elf_version(EV_CURRENT);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (elf && elf_kind(elf) == ELF_K_ELF) {
		n = dwelf_elf_gnu_build_id(elf, &bits);
		if (n == BUILD_ID_LEN) {
			memcpy(id, bits, BUILD_ID_LEN);
			ok = true;
		}
	}
	elf_end(elf);
	close(fd);
	return ok;
}

static void add_file(const char *path)
{
	unsigned char id[BUILD_ID_LEN];
	struct module *m;

	if (!file_build_id(path, id) || find_module(id))
		return;
	if (idx.n == idx.cap) {
		size_t ncap = idx.cap ? idx.cap * 2 : 64;
		struct module *nv = realloc(idx.v, ncap * sizeof(*nv));

		if (!nv)
			return;
		idx.v = nv;
		idx.cap = ncap;
	}
	m = &idx.v[idx.n];
	memset(m, 0, sizeof(*m));
	memcpy(m->build_id, id, BUILD_ID_LEN);
	m->path = strdup(path);
	if (m->path)
		idx.n++;
}

void sym_learn_process(unsigned pid)
{
	char maps[64], line[PATH_MAX + 128];
	unsigned i;
	FILE *f;

	for (i = 0; i < LEARNT; i++)
		if (idx.learnt[i] == pid)
			return;
	idx.learnt[idx.nlearnt++ % LEARNT] = pid;
	snprintf(maps, sizeof(maps), "/proc/%u/maps", pid);
	f = fopen(maps, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *path = strchr(line, '/');
		size_t n;

		if (!path)
			continue;
		n = strlen(path);
		if (n && path[n - 1] == '\n')
			path[--n] = '\0';
		if (n > 10 && strcmp(path + n - 10, " (deleted)") == 0)
			continue;
		add_file(path);
	}
	fclose(f);
}

static bool looks_elf(const char *path)
{
	unsigned char magic[4];
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	bool elf;

	if (fd < 0)
		return false;
	elf = read(fd, magic, 4) == 4 && memcmp(magic, "\177ELF", 4) == 0;
	close(fd);
	return elf;
}

static void scan_dir(const char *dir)
{
	char path[PATH_MAX];
	struct dirent *d;
	struct stat st;
	DIR *dh = opendir(dir);

	if (!dh)
		return;
	while ((d = readdir(dh))) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
		if (stat(path, &st) || !S_ISREG(st.st_mode) || !looks_elf(path))
			continue;
		add_file(path);
	}
	closedir(dh);
}

/* Once: the directories clients and their libraries usually live in. */
static void scan_usual(void)
{
	static const char *const dirs[] = {
		"/usr/bin", "/usr/sbin", "/bin", "/sbin", "/usr/local/bin", "/usr/local/lib",
		"/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu",
		"/usr/lib/xen-4.17/bin", "/usr/lib/xen-4.17/lib", "/usr/libexec",
	};
	const char *envpath = getenv("PATH");
	char *copy, *dir, *save;
	size_t i;

	idx.scanned = true;
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		scan_dir(dirs[i]);
	copy = envpath ? strdup(envpath) : NULL;
	for (dir = copy ? strtok_r(copy, ":", &save) : NULL; dir; dir = strtok_r(NULL, ":", &save))
		scan_dir(dir);
	free(copy);
}

static Dwfl_Module *open_module(struct module *m)
{
	if (m->mod || m->failed)
		return m->mod;
	m->dwfl = dwfl_begin(&offline_callbacks);
	if (m->dwfl) {
		m->mod = dwfl_report_offline(m->dwfl, strrchr(m->path, '/') + 1, m->path, -1);
		dwfl_report_end(m->dwfl, NULL, NULL);
	}
	m->failed = !m->mod;
	return m->mod;
}

/* The address libdwfl gave a file offset of the module: the PT_LOAD
 * segment holding that offset, moved by the module's bias. */
static bool offset_to_addr(Dwfl_Module *mod, unsigned long long off, Dwarf_Addr *addr)
{
	GElf_Addr bias;
	Elf *elf = dwfl_module_getelf(mod, &bias);
	size_t i, n;

	if (!elf || elf_getphdrnum(elf, &n))
		return false;
	for (i = 0; i < n; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(elf, i, &ph) || ph.p_type != PT_LOAD)
			continue;
		if (off >= ph.p_offset && off < ph.p_offset + ph.p_filesz) {
			*addr = off - ph.p_offset + ph.p_vaddr + bias;
			return true;
		}
	}
	return false;
}

static void name_in(Dwfl_Module *mod, Dwarf_Addr addr, int return_address, const char *module,
		    unsigned long long fallback, char *buf, size_t size)
{
	GElf_Off symoff = 0;
	GElf_Sym sym;
	const char *name;

	name = dwfl_module_addrinfo(mod, addr - (return_address ? 1 : 0), &symoff, &sym, NULL,
				    NULL, NULL);
	if (name)
		snprintf(buf, size, "%s+0x%llx (%s)", name,
			 (unsigned long long)symoff + (return_address ? 1 : 0), module);
	else
		snprintf(buf, size, "%s+0x%llx", module, fallback);
}

static int name_frame(const unsigned char *build_id, unsigned long long offset_or_ip, unsigned pid,
		      int return_address, char *buf, size_t size);

int sym_frame(const unsigned char *build_id, unsigned long long offset_or_ip, unsigned pid,
	      int return_address, char *buf, size_t size)
{
	unsigned long long h = offset_or_ip * 0x9e3779b97f4a7c15ULL;
	struct named *c;
	int i;

	if (!build_id)
		return name_frame(NULL, offset_or_ip, pid, return_address, buf, size);
	if (!idx.names)
		idx.names = calloc(NAME_CACHE, sizeof(*idx.names));
	if (!idx.names)
		return name_frame(build_id, offset_or_ip, pid, return_address, buf, size);
	for (i = 0; i < 8; i++)
		h = (h ^ build_id[i]) * 0x100000001b3ULL;
	c = &idx.names[(h >> 20) % NAME_CACHE];
	if (!c->used || c->offset != offset_or_ip || c->return_address != return_address ||
	    memcmp(c->build_id, build_id, BUILD_ID_LEN)) {
		c->result = name_frame(build_id, offset_or_ip, pid, return_address, c->text,
				       sizeof(c->text));
		memcpy(c->build_id, build_id, BUILD_ID_LEN);
		c->offset = offset_or_ip;
		c->return_address = return_address;
		c->used = true;
	}
	snprintf(buf, size, "%s", c->text);
	return c->result;
}

static int name_frame(const unsigned char *build_id, unsigned long long offset_or_ip, unsigned pid,
		      int return_address, char *buf, size_t size)
{
	struct module *m;
	Dwfl_Module *mod;
	Dwarf_Addr addr;

	if (!build_id) {
		snprintf(buf, size, "0x%llx", offset_or_ip);
		return 0;
	}
	m = find_module(build_id);
	if (!m && pid)
		sym_learn_process(pid);
	m = find_module(build_id);
	if (!m && !idx.scanned) {
		scan_usual();
		m = find_module(build_id);
	}
	if (!m) {
		char hex[2 * BUILD_ID_LEN + 1];
		int i;

		for (i = 0; i < 8; i++)
			sprintf(hex + 2 * i, "%02x", build_id[i]);
		snprintf(buf, size, "[build-id %s]+0x%llx", hex, offset_or_ip);
		return 0;
	}
	mod = open_module(m);
	if (!mod) {
		snprintf(buf, size, "%s+0x%llx", strrchr(m->path, '/') + 1, offset_or_ip);
		return 0;
	}
	if (!offset_to_addr(mod, offset_or_ip, &addr)) {
		snprintf(buf, size, "%s+0x%llx", strrchr(m->path, '/') + 1, offset_or_ip);
		return EINVAL;
	}
	name_in(mod, addr, return_address, strrchr(m->path, '/') + 1, offset_or_ip, buf, size);
	return 0;
}

int sym_path_of(const unsigned char *build_id, unsigned pid, char *buf, size_t size)
{
	static const unsigned char none[BUILD_ID_LEN];
	struct module *m;

	if (!memcmp(build_id, none, BUILD_ID_LEN))
		return ENOENT;
	m = find_module(build_id);
	if (!m && pid) {
		sym_learn_process(pid);
		m = find_module(build_id);
	}
	if (!m && !idx.scanned) {
		scan_usual();
		m = find_module(build_id);
	}
	if (!m)
		return ENOENT;
	snprintf(buf, size, "%s", m->path);
	return 0;
}

int sym_elf_lookup(const char *path, const char *name, unsigned long long *value,
		   unsigned long long *exec_vaddr)
{
	Elf_Scn *scn = NULL;
	bool found = false;
	size_t i, n;
	Elf *elf;
	int fd;

	elf_version(EV_CURRENT);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf) {
		close(fd);
		return EINVAL;
	}
	*exec_vaddr = ~0ULL;
	if (!elf_getphdrnum(elf, &n))
		for (i = 0; i < n; i++) {
			GElf_Phdr ph;

			if (gelf_getphdr(elf, i, &ph) && ph.p_type == PT_LOAD &&
			    (ph.p_flags & PF_X) && ph.p_vaddr < *exec_vaddr)
				*exec_vaddr = ph.p_vaddr;
		}
	while (!found && (scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *data;
		size_t k;

		if (!gelf_getshdr(scn, &sh) || (sh.sh_type != SHT_SYMTAB && sh.sh_type != SHT_DYNSYM))
			continue;
		data = elf_getdata(scn, NULL);
		for (k = 0; data && sh.sh_entsize && k < sh.sh_size / sh.sh_entsize; k++) {
			GElf_Sym sym;
			const char *s;

			if (!gelf_getsym(data, (int)k, &sym))
				continue;
			s = elf_strptr(elf, sh.sh_link, sym.st_name);
			if (s && strcmp(s, name) == 0 && sym.st_value) {
				*value = sym.st_value;
				found = true;
				break;
			}
		}
	}
	elf_end(elf);
	close(fd);
	return found && *exec_vaddr != ~0ULL ? 0 : ENOENT;
}

void sym_cleanup(void)
{
	size_t i;

	for (i = 0; i < idx.n; i++) {
		if (idx.v[i].dwfl)
			dwfl_end(idx.v[i].dwfl);
		free(idx.v[i].path);
	}
	free(idx.v);
	free(idx.names);
	memset(&idx, 0, sizeof(idx));
}
