package neo4jtest

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/skingraph/skingraph/cypher"
	"github.com/skingraph/skingraph/graph"
)

// stagedWriterEnv, when set in a test binary's environment, makes Main run a staged-load
// writer (runStagedWriter) instead of the tests: the file it names says what to write.
const stagedWriterEnv = "SKINGRAPH_TEST_STAGED_WRITER"

// writerJob is what a writer process writes.
type writerJob struct {
	URI, Username, Password string
	Lease                   time.Duration
	Load                    graph.Load
}

// StagedWriter is another process in the middle of a staged load: it has written the load's
// products and reviews (every row marked with the load id), not committed, and waits while
// renewing its lease, until it is killed.
type StagedWriter struct {
	LoadID string
	cmd    *exec.Cmd
}

// StartStagedWriter runs a staged load of load in a new process (this test binary again) on
// the shared server, with the given lease, and returns once its rows are written. The
// process is killed when the test ends, if it was not before.
func StartStagedWriter(t testing.TB, load graph.Load, lease time.Duration) *StagedWriter {
	t.Helper()
	db := Server(t)
	job, err := json.Marshal(writerJob{URI: db.URI, Username: db.Username, Password: db.Password, Lease: lease, Load: load})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "writer-"+load.ID+".json")
	if err := os.WriteFile(path, job, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), stagedWriterEnv+"="+path)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start the writer process: %v", err)
	}
	w := &StagedWriter{LoadID: load.ID, cmd: cmd}
	t.Cleanup(w.kill)
	line := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "staged ") {
				line <- sc.Text()
			}
		}
		close(line)
	}()
	select {
	case l, ok := <-line:
		if !ok {
			w.kill()
			t.Fatalf("the writer of %s ended before its rows were written", load.ID)
		}
		if l != "staged "+load.ID {
			t.Fatalf("writer said %q", l)
		}
	case <-time.After(2 * time.Minute):
		w.kill()
		t.Fatalf("the writer of %s did not write its rows within 2 minutes", load.ID)
	}
	return w
}

// Kill kills the writer with SIGKILL, as a crash or `kill -9` would, and waits for it to end.
func (w *StagedWriter) Kill(t testing.TB) {
	t.Helper()
	if err := w.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("kill the writer of %s: %v", w.LoadID, err)
	}
	_ = w.cmd.Wait() // "signal: killed"
}

func (w *StagedWriter) kill() {
	if w.cmd.ProcessState == nil {
		_ = w.cmd.Process.Signal(syscall.SIGKILL)
		_ = w.cmd.Wait()
	}
}

// runStagedWriter is the writer process: it stages the load, says "staged <id>" on stdout,
// then keeps the lease alive until it is killed. It returns an exit code on failure only.
func runStagedWriter() int {
	fail := func(err error) int {
		fmt.Fprintf(os.Stderr, "staged writer: %v\n", err)
		return 1
	}
	b, err := os.ReadFile(os.Getenv(stagedWriterEnv))
	if err != nil {
		return fail(err)
	}
	var job writerJob
	if err := json.Unmarshal(b, &job); err != nil {
		return fail(err)
	}
	ctx := context.Background()
	store, err := cypher.Open(ctx, cypher.Config{URI: job.URI, Username: job.Username, Password: job.Password})
	if err != nil {
		return fail(err)
	}
	store.SetStagedThreshold(1)
	store.SetStagedLease(job.Lease)
	if _, err := store.BeginStaged(ctx, job.Load); err != nil {
		return fail(err)
	}
	fmt.Printf("staged %s\n", job.Load.ID)
	for { // the heartbeat goroutine renews the lease until the process is killed
		time.Sleep(time.Hour)
	}
}
