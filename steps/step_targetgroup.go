package steps

import (
	"context"
	"fmt"

	"github.com/vpclink/vpclink/awsops"
)

// IDTargetGroup names the step that creates the run's target group.
const IDTargetGroup = "create-target-group"

// Messages of the target group step.
const (
	fmtTGStart  = "Creating target group %s."
	fmtTGDone   = "Created target group %s."
	fmtTGFailed = "Failed to create target group %s"
)

// targetGroupStep creates the target group the load balancer forwards to, with the plan's
// health check.
type targetGroupStep struct{ acct *awsops.Account }

func (targetGroupStep) ID() string           { return IDTargetGroup }
func (targetGroupStep) Title() string        { return "Target group" }
func (targetGroupStep) Applies(p *Plan) bool { return newLB(p) }

// Do adopts the run's target group from an earlier attempt, or creates it.
func (s targetGroupStep) Do(ctx context.Context, run *Run, rep Reporter) error {
	res, p := run.Resources(), run.Plan()
	name := tgName(run.ID())
	// Adopt what the journal or a crashed attempt left: by recorded ARN, else by name and tag.
	if tg, found, err := findELB(ctx, s.acct, run.ID(), res.TargetGroupARN, name, s.acct.GetTargetGroup, tgARN); err != nil || found {
		if err != nil {
			return err
		}
		if err := run.Record(func(r *Resources) { r.TargetGroupARN = tg.ARN }); err != nil {
			return err
		}
		rep.Stop("Found target group " + tg.Name + " from an earlier attempt.")
		return nil
	}
	rep.Start(fmt.Sprintf(fmtTGStart, name))
	tg, err := s.acct.CreateTargetGroup(ctx, awsops.TargetGroupSpec{
		Name: name, Port: p.Targets.Port, VPCID: res.VPCID, Tags: tags(run),
		HealthCheck: healthCheck(p),
	})
	if err != nil {
		return awsops.Failed(err, fmtTGFailed, name)
	}
	if err := run.Record(func(r *Resources) { r.TargetGroupARN = tg.ARN }); err != nil {
		return err
	}
	rep.Stop(fmt.Sprintf(fmtTGDone, name))
	return nil
}

// Undo deletes the run's target group, unless a run that reuses the load balancer needs it.
func (s targetGroupStep) Undo(ctx context.Context, run *Run, rep Reporter) error {
	tg, found, err := findELB(ctx, s.acct, run.ID(), run.Resources().TargetGroupARN, tgName(run.ID()), s.acct.GetTargetGroup, tgARN)
	if !found {
		return ignoreNotOurs(err)
	}
	arn := tg.ARN
	if err := keepForLoadBalancerUser(run, "target group "+awsops.ResourceName(arn)); err != nil {
		return err
	}
	rep.Start("Deleting target group " + arn + ".")
	if err := s.acct.DeleteTargetGroup(ctx, arn); err != nil {
		return err
	}
	return run.Record(func(r *Resources) { r.TargetGroupARN = "" })
}
