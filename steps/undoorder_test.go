package steps_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/vpclink/vpclink/steps"
)

// undoLog is a step that only records when it is undone.
type undoLog struct {
	steps.Step
	log *[]string
}

func (u undoLog) Undo(context.Context, *steps.Run, steps.Reporter) error {
	*u.log = append(*u.log, u.ID())
	return nil
}

// rollbackOrder rolls back a run in which every step of list is done, and returns the ids
// in the order the runner undid them.
func rollbackOrder(t *testing.T, list []steps.Step) []string {
	t.Helper()
	var log []string
	j := &steps.Journal{RunID: "undo-order", State: steps.StateFailed}
	var wrapped []steps.Step
	for _, s := range list {
		wrapped = append(wrapped, undoLog{s, &log})
		j.Steps = append(j.Steps, steps.StepRecord{ID: s.ID(), Title: s.Title(), Status: steps.Done})
	}
	r := &steps.Runner{Account: newSandbox(t, "").Account(), Steps: wrapped}
	if err := r.Rollback(context.Background(), j, steps.StateRolledBack); err != nil {
		t.Fatalf("rollback: %v", err)
	}
	return log
}

// TestRollbackUndoesEachStepAfterTheStepsThatDependOnIt gives the runner the setup's steps
// in other orders than All's: the undo order comes from the edges, not from the list, so
// every step is still undone after every step that runs after it.
func TestRollbackUndoesEachStepAfterTheStepsThatDependOnIt(t *testing.T) {
	all := steps.All(newSandbox(t, "").Account())
	lists := map[string][]steps.Step{"the list in reverse": slices.Clone(all)}
	slices.Reverse(lists["the list in reverse"])
	for seed := range uint64(5) {
		list := slices.Clone(all)
		rand.New(rand.NewPCG(seed, 1)).Shuffle(len(list), func(i, j int) { list[i], list[j] = list[j], list[i] })
		lists[fmt.Sprintf("the list shuffled with seed %d", seed)] = list
	}
	for name, list := range lists {
		t.Run(name, func(t *testing.T) {
			got := rollbackOrder(t, list)
			if len(got) != len(all) {
				t.Fatalf("undid %v, want each of the %d steps once", got, len(all))
			}
			for _, s := range all {
				for _, dep := range s.After() {
					if slices.Index(got, s.ID()) > slices.Index(got, dep) {
						t.Errorf("%s was undone before %s, which runs after it (undo order %v)", dep, s.ID(), got)
					}
				}
			}
		})
	}
}

// TestRollbackUndoesAllInReverse: for All's own list, which is in dependency order, the
// order derived from the edges is the list's reverse, as rollbacks have always gone.
func TestRollbackUndoesAllInReverse(t *testing.T) {
	all := steps.All(newSandbox(t, "").Account())
	var want []string
	for _, s := range slices.Backward(all) {
		want = append(want, s.ID())
	}
	if got := rollbackOrder(t, all); !slices.Equal(got, want) {
		t.Errorf("undo order = %v\nwant %v", got, want)
	}
}
