package steps_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vpclink/vpclink/steps"
)

// writeRun puts a journal file named runID.json with the given content in store.
func writeRun(t *testing.T, store *steps.Store, runID, content string) {
	t.Helper()
	dir := filepath.Join(store.Dir, "runs")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, runID+".json"), []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestJournalsCarryTheirVersion(t *testing.T) {
	store := &steps.Store{Dir: t.TempDir()}
	j := &steps.Journal{RunID: "orders-aaaaaa", State: steps.StateComplete, Region: "us-east-1"}
	if err := store.Save(j); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(store.Dir, "runs", "orders-aaaaaa.json"))
	if err != nil || !strings.Contains(string(b), `"version": 1`) {
		t.Fatalf("saved journal = %s, %v; want version 1 in it", b, err)
	}
	// A journal from before versions existed is read as version 1.
	writeRun(t, store, "orders-bbbbbb", `{"runId":"orders-bbbbbb","state":"complete","region":"us-east-1"}`)
	old, err := store.Load("orders-bbbbbb")
	if err != nil || old.Version != 1 {
		t.Fatalf("load of an unversioned journal = %+v, %v; want version 1", old, err)
	}
}

func TestOneBadJournalIsSkippedWithAWarningAndNamedWhenAskedFor(t *testing.T) {
	store := &steps.Store{Dir: t.TempDir()}
	good := &steps.Journal{RunID: "orders-aaaaaa", State: steps.StateComplete, Region: "us-east-1"}
	if err := store.Save(good); err != nil {
		t.Fatal(err)
	}
	writeRun(t, store, "orders-cccccc", `{"runId": "orders-cccccc", "state": "runn`)
	writeRun(t, store, "orders-dddddd", `{"version": 2, "runId": "orders-dddddd", "steps": {"a": "new shape"}}`)
	writeRun(t, store, "orders-eeeeee", `[1, 2, 3]`)

	list, skipped, err := store.Scan()
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	if len(list) != 1 || list[0].RunID != good.RunID {
		t.Errorf("listed %v; want only %s", list, good.RunID)
	}
	got := map[string]*steps.JournalError{}
	for _, je := range skipped {
		got[je.RunID] = je
	}
	if len(got) != 3 || got["orders-cccccc"] == nil || got["orders-dddddd"] == nil || got["orders-eeeeee"] == nil {
		t.Fatalf("skipped %v; want the damaged, the newer and the non-journal file", skipped)
	}
	if runs, err := store.List(); err != nil || len(runs) != 1 {
		t.Errorf("List = %v, %v; want the one good run and no error", runs, err)
	}

	tests := map[string]struct {
		runID string
		says  []string
	}{
		"a newer journal says to upgrade":  {runID: "orders-dddddd", says: []string{"written by a newer vpclink", "upgrade", "journal version 2"}},
		"a damaged journal names its file": {runID: "orders-cccccc", says: []string{"read journal of orders-cccccc", filepath.Join("runs", "orders-cccccc.json"), "not a journal"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := store.Load(tc.runID)
			var je *steps.JournalError
			if !errors.As(err, &je) {
				t.Fatalf("load = %v; want a JournalError", err)
			}
			msg := err.Error() + "\n" + steps.Recommend(err)
			for _, s := range tc.says {
				if !strings.Contains(msg, s) {
					t.Errorf("%q does not say %q", msg, s)
				}
			}
		})
	}
}

func TestAnUnreadableJournalFileIsSkipped(t *testing.T) {
	if os.Geteuid() == 0 {
		// root reads a file whatever its mode: make it unreadable as a directory instead.
		store := &steps.Store{Dir: t.TempDir()}
		if err := os.MkdirAll(filepath.Join(store.Dir, "runs", "orders-ffffff.json", "x"), 0o700); err != nil {
			t.Fatal(err)
		}
		checkUnreadable(t, store)
		return
	}
	store := &steps.Store{Dir: t.TempDir()}
	writeRun(t, store, "orders-ffffff", `{}`)
	if err := os.Chmod(filepath.Join(store.Dir, "runs", "orders-ffffff.json"), 0); err != nil {
		t.Fatal(err)
	}
	checkUnreadable(t, store)
}

func checkUnreadable(t *testing.T, store *steps.Store) {
	t.Helper()
	good := &steps.Journal{RunID: "orders-aaaaaa", State: steps.StateComplete, Region: "us-east-1"}
	if err := store.Save(good); err != nil {
		t.Fatal(err)
	}
	list, skipped, err := store.Scan()
	if err != nil || len(list) != 1 {
		t.Fatalf("scan = %v, %v, %v; want the good run listed", list, skipped, err)
	}
	var je *steps.JournalError
	if _, err := store.Load("orders-ffffff"); !errors.As(err, &je) {
		t.Errorf("load of an unreadable journal = %v; want a JournalError", err)
	}
}
