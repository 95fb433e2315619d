package ui

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/vpclink/vpclink/awsops"
	"github.com/vpclink/vpclink/steps"
)

// ScanReport is `vpclink scan --output json`.
type ScanReport struct {
	Findings []steps.Finding `json:"findings"`
}

// Scan prints every VPC-link chain of the account's region, whole or partial: what exists,
// what is missing or broken, and the command that finishes it.
func (c *CLI) Scan(ctx context.Context, acct *awsops.Account, store *steps.Store) int {
	runs, _, err := store.Scan()
	if err != nil {
		Fail(c.Err, "read the runs", err)
		return ExitFailed
	}
	list, err := steps.Scan(ctx, acct, runs)
	if err != nil {
		Fail(c.Err, "scan "+acct.Region, err)
		return ExitFailed
	}
	if c.JSON {
		if list == nil {
			list = []steps.Finding{}
		}
		c.printJSON(ScanReport{Findings: list})
		return ExitOK
	}
	WriteFindings(c.Out, list, c.Flags)
	return ExitOK
}

// WriteFindings renders findings as text, one block each.
func WriteFindings(w io.Writer, list []steps.Finding, flags string) {
	if len(list) == 0 {
		fmt.Fprintln(w, "No VPC-link chain in this region: no internal NLB, VPC link or REST API with a VPC link integration.")
		return
	}
	fmt.Fprintf(w, "Found %d VPC-link chain(s):\n", len(list))
	cmd := func(verb, args string) string {
		return strings.Join(slices.DeleteFunc([]string{"vpclink", verb, flags, args}, func(s string) bool { return s == "" }), " ")
	}
	for _, f := range list {
		mark := "✔"
		if !f.Complete() {
			mark = "!"
		}
		fmt.Fprintf(w, "\n%s %s  %s\n", mark, f.ID, f.Summary)
		e := f.Exists
		if lb := e.LoadBalancer; lb != nil {
			fmt.Fprintf(w, "    load balancer  %s (%s) in %s, listeners %s\n", lb.Name, lb.State, e.VPC, ports(lb.Listeners))
			for _, t := range lb.Targets {
				fmt.Fprintf(w, "    target         %s:%d %s\n", t.ID, t.Port, t.State)
			}
		}
		if l := e.VPCLink; l != nil {
			fmt.Fprintf(w, "    VPC link       %s %s (%s)\n", l.ID, l.Name, l.Status)
		}
		for _, a := range e.APIs {
			fmt.Fprintf(w, "    REST API       %s %s, link via %s\n", a.ID, a.Name, a.Via)
			for _, s := range a.Stages {
				vars := "no variables"
				if len(s.Variables) > 0 {
					var kv []string
					for _, k := range slices.Sorted(maps.Keys(s.Variables)) {
						kv = append(kv, k+"="+s.Variables[k])
					}
					vars = strings.Join(kv, " ")
				}
				fmt.Fprintf(w, "    stage          %s → %s, %s\n", s.Name, s.Deployment, vars)
			}
		}
		for _, m := range f.Missing {
			fmt.Fprintf(w, "    missing        %s\n", m)
		}
		for _, b := range f.Broken {
			fmt.Fprintf(w, "    broken         %s\n", b)
		}
		switch {
		case f.Complete() && f.Run != "":
			fmt.Fprintf(w, "    Check it:      %s\n", cmd("check", f.Run))
		case f.Complete():
		case f.Finishable() == nil:
			for _, x := range f.Finish {
				fmt.Fprintf(w, "    finish would   %s\n", x)
			}
			fmt.Fprintf(w, "    Finish it:     %s\n", cmd("finish", f.ID))
			fmt.Fprintf(w, "    Review first:  %s\n", cmd("scan", "--plan "+f.ID+" -o "+f.ID+".yaml"))
		case len(f.Broken) == 0:
			fmt.Fprintf(w, "    not finished:  %v\n", f.Finishable())
		default:
			fmt.Fprintln(w, "    not finished:  mend what is broken, then scan again")
		}
	}
}

func ports(ps []int32) string {
	if len(ps) == 0 {
		return "none"
	}
	var s []string
	for _, p := range ps {
		s = append(s, fmt.Sprint(p))
	}
	return strings.Join(s, ", ")
}

// findingPlan scans for the finding id and turns it into a plan that registers instances
// (for a target group with none). draft keeps the plan when it still lacks them, for a
// person to fill in.
func (c *CLI) findingPlan(ctx context.Context, acct *awsops.Account, store *steps.Store, id string, draft bool, instances ...string) (*steps.Plan, int) {
	runs, _, err := store.Scan()
	if err != nil {
		Fail(c.Err, "read the runs", err)
		return nil, ExitFailed
	}
	f, err := steps.FindFinding(ctx, acct, runs, id)
	if err != nil {
		if errors.Is(err, steps.ErrNoFinding) {
			Fail(c.Err, "find "+id, WithHint(err, "use an id that "+c.command("scan", "")+"lists"))
			return nil, ExitUsage
		}
		Fail(c.Err, "scan "+acct.Region, err)
		return nil, ExitFailed
	}
	p, err := f.Plan(instances...)
	var need *steps.TargetsNeededError
	if draft && errors.As(err, &need) {
		return p, ExitOK
	}
	if errors.As(err, &need) {
		Fail(c.Err, "finish "+id, WithHint(err, c.command("finish", id+" --instances NAME[,NAME…]")+", naming the instances that serve the API"))
		return nil, ExitUsage
	}
	if err != nil {
		Fail(c.Err, "finish "+id, err)
		return nil, ExitUsage
	}
	return p, ExitOK
}

// ScanPlan writes the plan that finishes finding id, as YAML for `vpclink apply -f`, to file
// ("" or "-" is standard output).
func (c *CLI) ScanPlan(ctx context.Context, acct *awsops.Account, store *steps.Store, id, file string) int {
	p, code := c.findingPlan(ctx, acct, store, id, true)
	if p == nil {
		return code
	}
	b, err := p.Marshal()
	if err != nil {
		Fail(c.Err, "write the plan", err)
		return ExitFailed
	}
	head := fmt.Sprintf("# Finishes %s: the resources named as existing are adopted as they are, the rest\n# is built. Review it, then: vpclink apply -f FILE\n", id)
	if p.SecurityGroups.Mode != "" && len(p.Targets.Instances) == 0 {
		// The target group has no targets: a person says which instances serve the API.
		b = bytes.Replace(b, []byte("\ntargets:\n"), []byte("\n# Fill in targets.instances: the instances that serve the API (ids or Name tags);\n# the load balancer's target group has none registered.\ntargets:\n"), 1)
	}
	b = append([]byte(head), b...)
	if file == "" || file == "-" {
		_, _ = c.Out.Write(b)
		return ExitOK
	}
	if err := os.WriteFile(file, b, 0o600); err != nil {
		Fail(c.Err, "write the plan", err)
		return ExitFailed
	}
	fmt.Fprintf(c.Err, "Wrote the plan that finishes %s to %s; apply it with: vpclink apply -f %s\n", id, file, file)
	return ExitOK
}

// Finish starts a run that adopts what finding id has and builds only what it lacks, with
// apply's progress, rollback of what it created, resume and summary.
// instances names the instances to register in a target group that has none.
func (c *CLI) Finish(ctx context.Context, acct *awsops.Account, store *steps.Store, id string, instances ...string) int {
	p, code := c.findingPlan(ctx, acct, store, id, false, instances...)
	if p == nil {
		return code
	}
	c.finding = id
	return c.Apply(ctx, acct, store, p, "")
}
