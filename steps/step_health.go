package steps

import (
	"context"
	"fmt"

	"github.com/vpclink/vpclink/awsops"
)

// IDTargetHealth names the step that waits for the targets to be healthy.
const IDTargetHealth = "wait-targets-healthy"

// Messages of the health step.
const (
	fmtHealthWait = "Waiting for targets to pass health checks on %s."
	fmtHealthDone = "Targets healthy: %s."
)

// targetHealthStep waits until the targets pass the load balancer's health checks.
type targetHealthStep struct{ acct *awsops.Account }

func (targetHealthStep) ID() string           { return IDTargetHealth }
func (targetHealthStep) Title() string        { return "Healthy targets" }
func (targetHealthStep) Applies(p *Plan) bool { return registersTargets(p) }

// Do waits until every target is healthy, reporting each change of state.
func (s targetHealthStep) Do(ctx context.Context, run *Run, rep Reporter) error {
	t, err := targetsOf(ctx, s.acct, run)
	if err != nil {
		return err
	}
	rep.Start(fmt.Sprintf(fmtHealthWait, awsops.ResourceName(t.tgARN)))
	last := ""
	err = s.acct.WaitTargetsHealthy(ctx, t.tgARN, t.port, t.hc, func(s string) { last = s; rep.Status(s) })
	if err != nil {
		return err
	}
	rep.Stop(fmt.Sprintf(fmtHealthDone, last))
	return nil
}

// Undo has nothing to delete.
func (targetHealthStep) Undo(context.Context, *Run, Reporter) error { return nil }
