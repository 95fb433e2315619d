//go:build unix

package main

import (
	"bufio"
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
)

// buildVpclink builds vpclink as users run it, into a temporary folder.
func buildVpclink(tb testing.TB) string {
	tb.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		tb.Fatalf("find the go tool to build vpclink: %v", err)
	}
	bin := filepath.Join(tb.TempDir(), "vpclink")
	if out, err := exec.Command(goTool, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		tb.Fatalf("build vpclink: %v\n%s", err, out)
	}
	return bin
}

// maxInitBytes is what one package may allocate while it initializes. The AWS SDK's endpoint
// tables, the largest today, take about 90 KB; a counted regexp such as `{0,256}` over Unicode
// classes took 15 MB and 50 ms of every start.
const maxInitBytes = 256 << 10

// TestNoPackageMakesStartUpSlow reads Go's own account of each package's initialization
// (GODEBUG=inittrace=1) and holds every package to maxInitBytes: work done at init is paid by
// every command, --help included, before main runs.
func TestNoPackageMakesStartUpSlow(t *testing.T) {
	bin := buildVpclink(t)
	cmd := exec.Command(bin, "--help")
	cmd.Env = append(os.Environ(), "GODEBUG=inittrace=1")
	var trace bytes.Buffer
	cmd.Stderr = &trace
	if err := cmd.Run(); err != nil {
		t.Fatalf("vpclink --help: %v\n%s", err, trace.String())
	}
	var total, packages int
	sc := bufio.NewScanner(&trace)
	for sc.Scan() {
		// init github.com/vpclink/vpclink/steps @12 ms, 18 ms clock, 14954784 bytes, 12395 allocs
		f := strings.Fields(sc.Text())
		if len(f) < 10 || f[0] != "init" || f[8] != "bytes," {
			continue
		}
		n, err := strconv.Atoi(f[7])
		if err != nil {
			t.Fatalf("read the init trace line %q: %v", sc.Text(), err)
		}
		packages++
		total += n
		if n > maxInitBytes {
			t.Errorf("package %s allocates %d bytes as it initializes (at most %d): move the work out of package-level variables and init", f[1], n, maxInitBytes)
		}
	}
	if packages < 10 {
		t.Fatalf("the init trace names %d packages; is GODEBUG=inittrace=1 still Go's format?\n%s", packages, trace.String())
	}
	t.Logf("%d packages allocate %d bytes in all as they initialize", packages, total)
}

// wizardInPty starts the wizard on the demo account with its input and its drawing (standard
// error) on a new pseudo-terminal whose other end answers nothing, as a terminal that supports
// no queries. Standard output is the pty as well when stdoutToo is set, else a pipe.
func wizardInPty(tb testing.TB, bin string, stdoutToo bool) (*exec.Cmd, *os.File) {
	tb.Helper()
	ptmx, tty, err := pty.Open()
	if err != nil {
		tb.Fatalf("open a pseudo-terminal: %v", err)
	}
	if err := pty.Setsize(ptmx, &pty.Winsize{Rows: 24, Cols: 80}); err != nil {
		tb.Fatalf("size the pseudo-terminal: %v", err)
	}
	cmd := exec.Command(bin, "--demo", "--state-dir", tb.TempDir())
	cmd.Env = append(os.Environ(), "TERM=xterm-256color", "COLORTERM=", "NO_COLOR=", "ACCESSIBLE=", "CI=")
	cmd.Stdin, cmd.Stderr = tty, tty
	if stdoutToo {
		cmd.Stdout = tty
	}
	// The pty is the child's controlling terminal with the child in its foreground, as a shell
	// leaves it: only then does a terminal library dare to query it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	if err := cmd.Start(); err != nil {
		tb.Fatalf("start the wizard: %v", err)
	}
	tty.Close()
	tb.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		ptmx.Close()
	})
	return cmd, ptmx
}

// firstFrame reads the terminal until the Welcome screen is drawn, answering the cursor
// position query as every terminal does when answer is set, and returns all it read.
func firstFrame(tb testing.TB, ptmx *os.File, answer bool) []byte {
	tb.Helper()
	got := make(chan []byte, 1)
	go func() {
		var seen []byte
		buf := make([]byte, 4096)
		for {
			n, err := ptmx.Read(buf)
			seen = append(seen, buf[:n]...)
			if answer && bytes.Contains(buf[:n], []byte("\x1b[6n")) {
				_, _ = io.WriteString(ptmx, "\x1b[1;1R")
			}
			if bytes.Contains(seen, []byte("Welcome")) || err != nil {
				got <- seen
				return
			}
		}
	}()
	// Only a guard against a hung wizard: the test's verdict rests on what was written.
	select {
	case b := <-got:
		if !bytes.Contains(b, []byte("Welcome")) {
			tb.Fatalf("the wizard ended before drawing Welcome:\n%q", b)
		}
		return b
	case <-time.After(2 * time.Minute):
		tb.Fatal("no Welcome screen after 2 minutes")
	}
	return nil
}

// TestTheWizardAsksTheTerminalNothingBeforeItsFirstFrame starts the wizard on a terminal that
// answers nothing. A query (background color OSC 11, foreground OSC 10, cursor position) sent
// there would hold the first frame until termenv gives up, 5 seconds per query.
func TestTheWizardAsksTheTerminalNothingBeforeItsFirstFrame(t *testing.T) {
	bin := buildVpclink(t)
	_, ptmx := wizardInPty(t, bin, false)
	out := firstFrame(t, ptmx, false)
	for name, q := range map[string]string{"background color": "\x1b]11;?", "foreground color": "\x1b]10;?", "cursor position": "\x1b[6n"} {
		if bytes.Contains(out, []byte(q)) {
			t.Errorf("the wizard asked the terminal for its %s (%q) before its first frame", name, q)
		}
	}
}

// BenchmarkWizardFirstFrame times vpclink from exec to the Welcome screen drawn on a
// terminal of 80×24, as a user starts it (every standard stream on the terminal), on a
// terminal that answers the cursor-position query as all terminals do.
func BenchmarkWizardFirstFrame(b *testing.B) {
	bin := buildVpclink(b)
	for b.Loop() {
		cmd, ptmx := wizardInPty(b, bin, true)
		firstFrame(b, ptmx, true)
		b.StopTimer()
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		b.StartTimer()
	}
}
