package launcher

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
)

// source is the Maven project of the Java launcher: pom.xml and Launcher.java.
//
//go:embed java/pom.xml java/src
var source embed.FS

// mainClass is the Java entry point inside source.
const mainClass = "org.skingraph.launcher.Launcher"

// ErrMissingTool means java or mvn is not installed; the message says which and how to get it.
var ErrMissingTool = errors.New("missing tool")

// build is a compiled launcher: its classes and the resolved Neo4j classpath.
type build struct {
	dir       string // the cache folder of this launcher version
	classpath string // classes folder + every jar, joined with ':'
}

// prepare returns the compiled launcher, building it with Maven the first time. The build is
// keyed by a hash of the embedded sources, so a changed pom.xml builds anew; Maven keeps the
// downloaded jars in ~/.m2 across builds. Concurrent callers (several test binaries) serialise
// on a lock file.
func prepare(ctx context.Context, cacheDir string) (build, error) {
	if _, err := exec.LookPath("java"); err != nil {
		return build{}, fmt.Errorf("%w: java (Java 17 or newer) is not on PATH; install a JDK, e.g. `apt-get install default-jdk-headless`", ErrMissingTool)
	}
	hash, err := sourceHash()
	if err != nil {
		return build{}, err
	}
	dir := filepath.Join(cacheDir, "neo4j-launcher-"+hash)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return build{}, fmt.Errorf("create launcher cache %s: %w", dir, err)
	}
	unlock, err := lockFile(filepath.Join(dir, ".lock"))
	if err != nil {
		return build{}, err
	}
	defer unlock()

	b := build{dir: dir}
	cpFile := filepath.Join(dir, "classpath.txt")
	classes := filepath.Join(dir, "target", "classes")
	if cp, err := os.ReadFile(cpFile); err == nil && fileExists(filepath.Join(classes, strings.ReplaceAll(mainClass, ".", "/")+".class")) {
		b.classpath = classes + string(os.PathListSeparator) + strings.TrimSpace(string(cp))
		if jarsPresent(b.classpath) {
			return b, nil
		}
	}

	if _, err := exec.LookPath("mvn"); err != nil {
		return build{}, fmt.Errorf("%w: mvn (Apache Maven) is not on PATH; it is needed once to download Neo4j from Maven Central, e.g. `apt-get install maven`", ErrMissingTool)
	}
	if err := writeSources(dir); err != nil {
		return build{}, err
	}
	cmd := exec.CommandContext(ctx, "mvn", "-q", "-B", "-f", filepath.Join(dir, "pom.xml"),
		"compile", "dependency:build-classpath", "-Dmdep.outputFile="+cpFile)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return build{}, fmt.Errorf("maven could not build the Neo4j launcher (downloading org.neo4j:neo4j and org.neo4j:neo4j-bolt from Maven Central; check network access and ~/.m2): %w\n%s", err, tail(out.String(), 3000))
	}
	cp, err := os.ReadFile(cpFile)
	if err != nil {
		return build{}, fmt.Errorf("read launcher classpath: %w", err)
	}
	b.classpath = classes + string(os.PathListSeparator) + strings.TrimSpace(string(cp))
	return b, nil
}

// sourceHash is a short hash over the embedded launcher sources.
func sourceHash() (string, error) {
	h := sha256.New()
	var paths []string
	err := fs.WalkDir(source, "java", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			paths = append(paths, p)
		}
		return err
	})
	if err != nil {
		return "", fmt.Errorf("walk launcher sources: %w", err)
	}
	sort.Strings(paths)
	for _, p := range paths {
		data, err := source.ReadFile(p)
		if err != nil {
			return "", fmt.Errorf("read launcher source %s: %w", p, err)
		}
		fmt.Fprintf(h, "%s\x00%d\x00", p, len(data))
		h.Write(data)
	}
	return hex.EncodeToString(h.Sum(nil))[:12], nil
}

// writeSources copies the embedded Maven project into dir.
func writeSources(dir string) error {
	return fs.WalkDir(source, "java", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		target := filepath.Join(dir, strings.TrimPrefix(p, "java"))
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := source.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
}

// lockFile takes an exclusive advisory lock on path and returns its release.
func lockFile(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open lock %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

// jarsPresent reports whether every entry of a classpath still exists (~/.m2 may be wiped).
func jarsPresent(classpath string) bool {
	for _, p := range filepath.SplitList(classpath) {
		if !fileExists(p) {
			return false
		}
	}
	return true
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// tail returns the last n bytes of s.
func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "..." + s[len(s)-n:]
}
