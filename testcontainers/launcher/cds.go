package launcher

import (
	"archive/zip"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Class-data sharing (Options.ClassDataSharing): the JVM maps the classes Neo4j loads at start
// from an archive (AppCDS, JDK 13+), instead of reading, parsing and verifying them from ~190
// jars each time. Measured on this project's 2-core machines: a test server's start and stop
// went from 11.0 s to 7.5 s of CPU. The first server started without an archive writes one
// when it exits (-XX:ArchiveClassesAtExit; a server that is killed writes none); later ones
// use it (-XX:SharedArchiveFile). The archive is keyed by the java binary and by the name,
// size and time of every classpath entry, so a new JDK or new jars make a new one. A JVM that
// cannot use an archive starts without it (-Xshare:auto, the default). AppCDS takes jars only,
// so the launcher's classes are packed into launcher.jar first.

// sharingFlags returns the classpath to use and the JVM flags for class-data sharing, and the
// archive a JVM started with them writes when it exits ("" when it uses an existing one).
func sharingFlags(b build) (classpath string, flags []string, writes string, err error) {
	jar, err := launcherJar(b.dir)
	if err != nil {
		return "", nil, "", err
	}
	entries := filepath.SplitList(b.classpath)
	entries[0] = jar // the classes folder
	classpath = strings.Join(entries, string(os.PathListSeparator))
	key, err := archiveKey(entries)
	if err != nil {
		return "", nil, "", err
	}
	archive := filepath.Join(b.dir, "cds-"+key+".jsa")
	if fileExists(archive) {
		return classpath, []string{"-XX:SharedArchiveFile=" + archive}, "", nil
	}
	suffix := make([]byte, 6)
	if _, err := rand.Read(suffix); err != nil {
		return "", nil, "", fmt.Errorf("class-data sharing: %w", err)
	}
	writes = archive + ".tmp-" + hex.EncodeToString(suffix)
	return classpath, []string{"-XX:ArchiveClassesAtExit=" + writes}, writes, nil
}

// choosesSharing reports whether flags turn class-data sharing off or name an archive of
// their own (-Xshare:off, -XX:SharedArchiveFile, -XX:ArchiveClassesAtExit): the launcher then
// adds no archive flags (the JVM refuses to start with -Xshare:off and
// -XX:ArchiveClassesAtExit together). -Xshare:on (fail unless the archive maps) and
// -Xshare:auto keep the launcher's archive.
func choosesSharing(flags []string) bool {
	for _, f := range flags {
		if f == "-Xshare:off" || strings.HasPrefix(f, "-XX:SharedArchiveFile") || strings.HasPrefix(f, "-XX:ArchiveClassesAtExit") {
			return true
		}
	}
	return false
}

// keepArchive puts the archive a JVM wrote at exit in place, unless another server's is
// already there (several may write one at once), and removes what it left.
func keepArchive(written string) {
	final, _, _ := strings.Cut(written, ".tmp-")
	if st, err := os.Stat(written); err == nil && st.Size() > 0 {
		_ = os.Link(written, final) // never replaces an archive another JVM may be using
	}
	os.Remove(written)
}

// archiveKey hashes the java binary and each classpath entry's name, size and time.
func archiveKey(classpath []string) (string, error) {
	java, err := exec.LookPath("java")
	if err != nil {
		return "", fmt.Errorf("class-data sharing: %w", err)
	}
	if java, err = filepath.EvalSymlinks(java); err != nil {
		return "", fmt.Errorf("class-data sharing: %w", err)
	}
	h := sha256.New()
	for _, p := range append([]string{java}, classpath...) {
		st, err := os.Stat(p)
		if err != nil {
			return "", fmt.Errorf("class-data sharing: %w", err)
		}
		fmt.Fprintf(h, "%s\x00%d\x00%d\x00", p, st.Size(), st.ModTime().UnixNano())
	}
	return hex.EncodeToString(h.Sum(nil))[:12], nil
}

// launcherJar packs the compiled launcher (target/classes) into dir/launcher.jar once and
// returns its path. The build lock is not held here, so it is written aside and linked into
// place, which never replaces a jar another server uses (its time is in the archive's key).
func launcherJar(dir string) (string, error) {
	jar := filepath.Join(dir, "launcher.jar")
	if fileExists(jar) {
		return jar, nil
	}
	tmp, err := os.CreateTemp(dir, "launcher.jar.tmp-*")
	if err != nil {
		return "", fmt.Errorf("class-data sharing: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return "", fmt.Errorf("class-data sharing: %w", err)
	}
	zw := zip.NewWriter(tmp)
	classes := filepath.Join(dir, "target", "classes")
	err = filepath.WalkDir(classes, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(classes, p)
		if err != nil {
			return err
		}
		w, err := zw.Create(filepath.ToSlash(rel))
		if err != nil {
			return err
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = io.Copy(w, f)
		return err
	})
	if err == nil {
		err = zw.Close()
	}
	if err == nil {
		err = tmp.Close()
	} else {
		tmp.Close()
	}
	if err == nil {
		if err = os.Link(tmp.Name(), jar); os.IsExist(err) {
			err = nil
		}
	}
	if err != nil {
		return "", fmt.Errorf("class-data sharing: pack the launcher: %w", err)
	}
	return jar, nil
}
