package neo4jtest

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
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
// renewing its lease, until it is killed or told to commit.
type StagedWriter struct {
	LoadID string
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	lines  chan string // what the writer says after "staged <id>"
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
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start the writer process: %v", err)
	}
	w := &StagedWriter{LoadID: load.ID, cmd: cmd, stdin: stdin, lines: make(chan string, 4)}
	t.Cleanup(w.kill)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			w.lines <- sc.Text()
		}
		close(w.lines)
	}()
	select {
	case l, ok := <-w.lines:
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

// Pause stops the writer (SIGSTOP), as a long GC pause, a frozen VM or a stalled disk would:
// its heartbeat stops with it.
func (w *StagedWriter) Pause(t testing.TB) {
	t.Helper()
	if err := w.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatalf("pause the writer of %s: %v", w.LoadID, err)
	}
}

// Resume continues a paused writer (SIGCONT).
func (w *StagedWriter) Resume(t testing.TB) {
	t.Helper()
	if err := w.cmd.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatalf("resume the writer of %s: %v", w.LoadID, err)
	}
}

// Commit tells the writer to commit its load and returns its answer: "committed" or
// "commit failed: <error>".
func (w *StagedWriter) Commit(t testing.TB) string {
	t.Helper()
	if _, err := io.WriteString(w.stdin, "commit\n"); err != nil {
		t.Fatalf("tell the writer of %s to commit: %v", w.LoadID, err)
	}
	select {
	case l, ok := <-w.lines:
		if !ok {
			t.Fatalf("the writer of %s ended without answering", w.LoadID)
		}
		return l
	case <-time.After(2 * time.Minute):
		t.Fatalf("the writer of %s did not answer within 2 minutes", w.LoadID)
		return ""
	}
}

func (w *StagedWriter) kill() {
	if w.cmd.ProcessState == nil {
		_ = w.cmd.Process.Signal(syscall.SIGKILL)
		_ = w.cmd.Wait()
	}
}

// runStagedWriter is the writer process: it stages the load, says "staged <id>" on stdout,
// then keeps the lease alive until it is killed, or commits when stdin says "commit" and says
// how that went. It returns an exit code.
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
	store, err := cypher.Open(ctx, cypher.Config{URI: job.URI, Username: job.Username, Password: job.Password,
		Staging: cypher.StagingOptions{Threshold: 1, Lease: job.Lease}})
	if err != nil {
		return fail(err)
	}
	st, err := store.BeginStaged(ctx, job.Load)
	if err != nil {
		return fail(err)
	}
	fmt.Printf("staged %s\n", job.Load.ID)
	// The heartbeat goroutine renews the lease meanwhile.
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		if sc.Text() == "commit" {
			if _, err := st.Commit(ctx); err != nil {
				fmt.Printf("commit failed: %v\n", err)
				return 0
			}
			fmt.Println("committed")
			return 0
		}
	}
	for { // stdin closed: wait to be killed
		time.Sleep(time.Hour)
	}
}
