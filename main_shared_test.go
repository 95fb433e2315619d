package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Applying a plan that a complete run built changes nothing and says so; --new-copy builds a
// second copy; once the first run is destroyed, applying builds again.
func TestApplyingABuiltPlanAgainChangesNothing(t *testing.T) {
	t.Setenv("VPCLINK_DEMO_SPEED", "0")
	state := t.TempDir()
	runs := func() int {
		t.Helper()
		entries, _ := os.ReadDir(filepath.Join(state, "demo", "runs"))
		n := 0
		for _, e := range entries {
			if strings.HasSuffix(e.Name(), ".json") && !strings.HasPrefix(e.Name(), ".") {
				n++
			}
		}
		return n
	}
	apply := func(extra ...string) (int, string, string) {
		return vpclink(t, append([]string{"apply", "--demo", "--state-dir", state, "-f", "examples/vpc-cidr.yaml", "--yes", "--output", "json"}, extra...)...)
	}
	code, out, errOut := apply()
	var first struct{ RunID, InvokeURL string }
	if code != 0 || json.Unmarshal([]byte(out), &first) != nil {
		t.Fatalf("apply exit %d: %s\n%s", code, out, errOut)
	}

	code, out, errOut = apply()
	var again struct{ RunID, InvokeURL string }
	if code != 0 || json.Unmarshal([]byte(out), &again) != nil || again.RunID != first.RunID {
		t.Fatalf("second apply: exit %d, summary %s; want the first run's", code, out)
	}
	want := "Run " + first.RunID + " already built this plan: its invoke URL is " + first.InvokeURL
	if !strings.Contains(errOut, want) || !strings.Contains(errOut, "use --new-copy to build a second one") {
		t.Errorf("second apply said:\n%s\nwant %q and the --new-copy advice", errOut, want)
	}
	if n := runs(); n != 1 {
		t.Errorf("%d runs after applying a built plan again, want 1", n)
	}

	code, out, errOut = apply("--new-copy")
	var second struct{ RunID string }
	if code != 0 || json.Unmarshal([]byte(out), &second) != nil || second.RunID == first.RunID || runs() != 2 {
		t.Fatalf("apply --new-copy: exit %d, %s\n%s; want a second run", code, out, errOut)
	}

	for _, id := range []string{first.RunID, second.RunID} {
		if code, _, errOut := vpclink(t, "destroy", "--demo", "--state-dir", state, id, "--yes"); code != 0 {
			t.Fatalf("destroy %s: exit %d\n%s", id, code, errOut)
		}
	}
	code, out, errOut = apply()
	var third struct{ RunID string }
	if code != 0 || json.Unmarshal([]byte(out), &third) != nil || third.RunID == first.RunID || third.RunID == second.RunID {
		t.Errorf("apply after both runs were destroyed: exit %d, %s\n%s; want a new run", code, out, errOut)
	}
}
