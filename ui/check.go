package ui

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/vpclink/vpclink/awsops"
	"github.com/vpclink/vpclink/steps"
)

// Check sends a request for path through a run's chain and reports each hop; with --output
// json, as JSON. It exits 0 when the request reached the service through sound hops, 1
// when a hop is broken.
func (c *CLI) Check(ctx context.Context, acct *awsops.Account, j *steps.Journal, path string) int {
	if !c.JSON {
		fmt.Fprintf(c.Err, "Checking GET %s through the chain of run %s…\n", path, j.RunID)
	}
	r, err := steps.CheckRun(ctx, acct, j, path)
	if err != nil {
		Fail(c.Err, "check "+j.RunID, err)
		return ExitFailed
	}
	c.withFlags(r)
	if c.JSON {
		c.printJSON(r)
	} else {
		WriteCheck(c.Out, r)
	}
	if !r.OK {
		return ExitFailed
	}
	return ExitOK
}

// checkAfterBuild runs a short check when apply or resume has built the chain. Its result
// is a message only: the build itself succeeded.
func (c *CLI) checkAfterBuild(ctx context.Context, acct *awsops.Account, j *steps.Journal) {
	fmt.Fprint(c.Err, "\nChecking a request through the chain… ")
	r, err := steps.CheckRun(ctx, acct, j, "/")
	if err != nil {
		fmt.Fprintf(c.Err, "not done: %v\n", err)
		return
	}
	c.withFlags(r)
	WriteCheckSummary(c.Err, r)
	if !r.OK {
		fmt.Fprintf(c.Err, "  Every hop: %s\n", c.command("check", j.RunID))
	}
}

// withFlags makes the report's vpclink commands carry the global flags (e.g. --demo).
func (c *CLI) withFlags(r *steps.CheckReport) { fixesWithFlags(r, c.Flags) }

// fixesWithFlags puts flags (e.g. "--demo") into the vpclink commands of a report's fixes.
func fixesWithFlags(r *steps.CheckReport, flags string) {
	if flags == "" {
		return
	}
	plain := "vpclink resume " + r.RunID
	for i := range r.Hops {
		r.Hops[i].Fix = strings.ReplaceAll(r.Hops[i].Fix, plain, "vpclink resume "+flags+" "+r.RunID)
	}
}

// WriteCheck prints a check report: one line per hop, a broken hop's fix under it, then
// the verdict with the hop to fix first.
func WriteCheck(w io.Writer, r *steps.CheckReport) {
	for _, h := range r.Hops {
		mark := "✔"
		if !h.OK {
			mark = "✘"
		}
		fmt.Fprintf(w, "  %s %-16s%s\n", mark, h.Hop, h.Detail)
		if !h.OK && h.Fix != "" {
			writeFix(w, "      ", h.Fix)
		}
	}
	for _, n := range r.Notes {
		if !slices.ContainsFunc(r.Hops, func(h steps.CheckHop) bool { return strings.Contains(h.Detail, n) }) {
			fmt.Fprintf(w, "  ! %s\n", n)
		}
	}
	WriteCheckSummary(w, r)
}

// WriteCheckSummary prints the verdict of a check: what answered, or the hop to fix first,
// why, and the fix.
func WriteCheckSummary(w io.Writer, r *steps.CheckReport) {
	if r.OK {
		fmt.Fprintf(w, "✔ GET %s reached the service: %d %s\n", r.Request.Path, r.Request.Status, r.Request.Body)
		return
	}
	h := r.Hop(r.Broken)
	if h == nil {
		fmt.Fprintln(w, "✘ The check found a problem.")
		return
	}
	if h.Hop == steps.HopService && r.Request.Status == 0 && len(r.Notes) > 0 {
		fmt.Fprintf(w, "! Every other hop is sound, but the request could not be sent: %s\n", r.Notes[0])
		return
	}
	fmt.Fprintf(w, "✘ Broken at %s: %s\n", h.Hop, h.Detail)
	if r.Request.Status != 0 {
		fmt.Fprintf(w, "  GET %s answered %d %s\n", r.Request.Path, r.Request.Status, r.Request.Body)
	}
	if h.Fix != "" {
		writeFix(w, "  ", h.Fix)
	}
}

// writeFix prints a fix as "Try:" and its lines, one command a line.
func writeFix(w io.Writer, indent, fix string) {
	lines := strings.Split(fix, "\n")
	fmt.Fprintf(w, "%sTry: %s\n", indent, lines[0])
	for _, l := range lines[1:] {
		fmt.Fprintf(w, "%s     %s\n", indent, l)
	}
}
