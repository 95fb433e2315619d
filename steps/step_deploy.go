package steps

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/vpclink/vpclink/awsops"
)

// IDDeploy names the step that deploys the API to the plan's stage.
const IDDeploy = "deploy-stage"

// Messages of the deployment step.
const (
	fmtDeployStart  = "Deploying to stage %s."
	fmtDeployDone   = "Deployed %s to stage %s."
	fmtDeployFailed = "Failed to deploy to stage %s"

	// Deleting a VPC link the run replaced, once the stage names the new one.
	fmtSupersededStart  = "Deleting VPC link %s, which VPC link %s replaced on stage %s."
	fmtSupersededDone   = "Replaced VPC link %s with %s on stage %s."
	fmtSupersededFailed = "Failed to delete VPC link %s"
)

// deployStep deploys the API to the plan's stage with the stage variables.
type deployStep struct{ acct *awsops.Account }

func (deployStep) ID() string         { return IDDeploy }
func (deployStep) Title() string      { return "Deployment and stage" }
func (deployStep) Applies(*Plan) bool { return true }

// Do deploys the API to the stage (again only when the stage does not serve this run's
// deployment with these variables), saving first what a stage that was there had, and
// applies the stage's logging and throttling.
func (s deployStep) Do(ctx context.Context, run *Run, rep Reporter) error {
	res, p := run.Resources(), run.Plan()
	vars := StageVariables(res)
	st, err := s.acct.GetStage(ctx, res.RestAPIID, p.Stage.Name)
	if err != nil && !awsops.IsNotFound(err) {
		return err
	}
	exists := err == nil
	if exists && res.DeploymentID == "" && res.Stage == "" && !res.StageExisted && st.Tags[awsops.TagRun] != run.ID() {
		// The stage was there before this run (one with the run's tag is the run's own, made
		// by a CreateStage whose answer never reached the journal): a rollback must give it
		// back as it was, with its deployment, variables, logging and throttling. Saved
		// before anything changes.
		settings := st.Settings
		if err := run.Record(func(r *Resources) {
			r.StageExisted, r.PreviousDeployment, r.PreviousVariables, r.PreviousSettings = true, st.DeploymentID, maps.Clone(st.Variables), &settings
		}); err != nil {
			return err
		}
	}
	// A stage still serving this run's deployment with these variables needs nothing.
	current := exists && res.DeploymentID != "" && st.DeploymentID == res.DeploymentID &&
		st.Variables[awsops.StageVarLink] == vars[awsops.StageVarLink] && st.Variables[awsops.StageVarNLB] == vars[awsops.StageVarNLB]
	// A stage that names another VPC link (the run replaced its link) gets a new deployment,
	// even when the run's deployment is still there.
	moved := exists && res.DeploymentID != "" && st.Variables[awsops.StageVarLink] != vars[awsops.StageVarLink]
	deployment := res.DeploymentID
	if !current {
		rep.Start(fmt.Sprintf(fmtDeployStart, p.Stage.Name))
		deployment = ""
		if moved {
			rep.Status("the stage names VPC link " + cmpOr(st.Variables[awsops.StageVarLink], "(none)") + "; deploying again for VPC link " + vars[awsops.StageVarLink])
		} else if deployment, err = runDeployment(ctx, s.acct, run, rep); err != nil {
			return err
		}
		if deployment == "" {
			// Saved first, so that a deployment whose id never reaches the journal is still
			// known by its description as this run's.
			if err := run.Record(func(r *Resources) { r.DeploymentIntent = true }); err != nil {
				return err
			}
			if deployment, err = s.acct.CreateDescribedDeployment(ctx, res.RestAPIID, awsops.DeploymentDescription(run.ID())); err != nil {
				return awsops.Failed(err, fmtDeployFailed, p.Stage.Name)
			}
			if err := run.Record(func(r *Resources) { r.DeploymentID = deployment }); err != nil {
				return err
			}
		}
		if exists {
			err = s.acct.PointStage(ctx, res.RestAPIID, p.Stage.Name, deployment, vars)
		} else {
			err = s.acct.CreateStage(ctx, res.RestAPIID, p.Stage.Name, deployment, vars, tags(run))
		}
		if err != nil {
			return awsops.Failed(err, fmtDeployFailed, p.Stage.Name)
		}
	}
	if err := run.Record(func(r *Resources) { r.Stage = p.Stage.Name }); err != nil {
		return err
	}
	if err := deleteSuperseded(ctx, s.acct, run, rep); err != nil {
		return err
	}
	// Only what differs is patched: logging OFF turns off a reused stage's logging.
	settings := awsops.StageSettings{LoggingLevel: p.Stage.Logging, RateLimit: p.Stage.Throttling.Rate, BurstLimit: p.Stage.Throttling.Burst}
	if err := s.acct.ChangeStageSettings(ctx, res.RestAPIID, p.Stage.Name, st.Settings, settings); err != nil {
		return err
	}
	rep.Stop(fmt.Sprintf(fmtDeployDone, deployment, p.Stage.Name))
	return nil
}

// Undo gives a stage that was there before the run back as it was (deployment,
// variables, logging and throttling) or deletes the stage the run made, then deletes the
// run's deployments, those whose ids never reached the journal included. On an API the run
// made there is nothing to do: deleting the API deletes its stages and deployments.
func (s deployStep) Undo(ctx context.Context, run *Run, rep Reporter) error {
	res := run.Resources()
	if !res.RestAPIReused || (res.Stage == "" && res.DeploymentID == "" && !res.DeploymentIntent) {
		return nil
	}
	deps, err := runDeployments(ctx, s.acct, run)
	if err != nil {
		return err
	}
	stage := cmpOr(res.Stage, run.Plan().Stage.Name)
	switch {
	case res.StageExisted && len(deps) > 0:
		// The stage was there: point it back and give back its settings, then drop this
		// run's deployments.
		rep.Start("Restoring stage " + stage + " of " + res.RestAPIID + " to deployment " + res.PreviousDeployment + " with its variables, logging and throttling.")
		if err := s.acct.RestoreStage(ctx, res.RestAPIID, stage, res.PreviousDeployment, res.PreviousVariables, StageVariables(res), res.PreviousSettings); err != nil {
			return err
		}
	case !res.StageExisted:
		// The stage is this run's when recorded, or when it carries the run's tag (made by a
		// CreateStage whose answer never reached the journal).
		mine := res.Stage != ""
		if !mine && len(deps) > 0 {
			st, err := s.acct.GetStage(ctx, res.RestAPIID, stage)
			if err != nil && !awsops.IsNotFound(err) {
				return err
			}
			mine = err == nil && st.Tags[awsops.TagRun] == run.ID()
		}
		if mine {
			rep.Start("Deleting stage " + stage + " of " + res.RestAPIID + ".")
			if err := s.acct.DeleteStage(ctx, res.RestAPIID, stage); err != nil {
				return err
			}
		}
	}
	for _, id := range deps {
		if id == res.PreviousDeployment {
			continue
		}
		rep.Start("Deleting deployment " + id + " of " + res.RestAPIID + ".")
		if err := s.acct.DeleteDeployment(ctx, res.RestAPIID, id); err != nil {
			return err
		}
	}
	return run.Record(func(r *Resources) { r.Stage, r.DeploymentID, r.DeploymentIntent = "", "", false })
}

// deleteSuperseded deletes the VPC links the run replaced while the stage used them, now
// that the stage names the new link. One still in use elsewhere (another API's stage) stays
// recorded, for undo.
func deleteSuperseded(ctx context.Context, acct *awsops.Account, run *Run, rep Reporter) error {
	res := run.Resources()
	for _, old := range res.SupersededLinks {
		rep.Start(fmt.Sprintf(fmtSupersededStart, old, res.VPCLinkID, res.Stage))
		err := acct.DeleteVPCLink(ctx, old)
		if awsops.IsVPCLinkInUse(err) {
			rep.Stop("VPC link " + old + " is still in use elsewhere (" + awsops.ErrorMessage(err) + "): `vpclink destroy " + run.ID() + "` deletes it once that is gone.")
			continue
		}
		if err != nil {
			return awsops.Failed(err, fmtSupersededFailed, old)
		}
		if err := acct.WaitVPCLinkDeleted(ctx, old, rep.Status); err != nil {
			return awsops.Failed(err, fmtSupersededFailed, old)
		}
		if err := forgetSuperseded(run, old); err != nil {
			return err
		}
		rep.Stop(fmt.Sprintf(fmtSupersededDone, old, res.VPCLinkID, res.Stage))
	}
	return nil
}

// StageVariables are the variables the stage gets: the VPC link id and the NLB's DNS name.
func StageVariables(res Resources) map[string]string {
	return map[string]string{awsops.StageVarLink: res.VPCLinkID, awsops.StageVarNLB: res.LoadBalancerDNS}
}

// runDeployment returns the deployment an earlier attempt of the run made, to be used again:
// the recorded one while it exists, else, when the run set out to create one, the newest
// deployment described as the run's. It returns "" when there is none.
func runDeployment(ctx context.Context, acct *awsops.Account, run *Run, rep Reporter) (string, error) {
	res := run.Resources()
	if res.DeploymentID == "" && !res.DeploymentIntent {
		return "", nil
	}
	deps, err := acct.ListDeployments(ctx, res.RestAPIID)
	if err != nil {
		return "", err
	}
	found := ""
	for _, d := range deps {
		if d.ID == res.DeploymentID {
			return d.ID, nil
		}
		if d.Description == awsops.DeploymentDescription(run.ID()) {
			found = d.ID
		}
	}
	if res.DeploymentID != "" {
		rep.Status("the recorded deployment " + res.DeploymentID + " is gone; deploying again")
	}
	if found != "" && res.DeploymentIntent {
		if err := run.Record(func(r *Resources) { r.DeploymentID = found }); err != nil {
			return "", err
		}
		rep.Status("found deployment " + found + " from an earlier attempt")
		return found, nil
	}
	return "", nil
}

// runDeployments are the ids of the deployments of the run on its REST API: the recorded
// one, and those described as the run's when it set out to create one.
func runDeployments(ctx context.Context, acct *awsops.Account, run *Run) ([]string, error) {
	res := run.Resources()
	var ids []string
	if res.DeploymentID != "" {
		ids = append(ids, res.DeploymentID)
	}
	if !res.DeploymentIntent {
		return ids, nil
	}
	deps, err := acct.ListDeployments(ctx, res.RestAPIID)
	if awsops.IsNotFound(err) {
		return ids, nil
	}
	if err != nil {
		return nil, err
	}
	for _, d := range deps {
		if d.Description == awsops.DeploymentDescription(run.ID()) && !slices.Contains(ids, d.ID) {
			ids = append(ids, d.ID)
		}
	}
	return ids, nil
}
