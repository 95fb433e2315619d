package steps

import (
	"context"
	"fmt"

	"github.com/vpclink/vpclink/awsops"
)

// ForeignRunError says a run belongs to another AWS account than the credentials in use.
type ForeignRunError struct {
	RunID string
	// RunAccount is the account the run was made in; Account the one the credentials are for.
	RunAccount, Account string
}

// Error names both accounts.
func (e *ForeignRunError) Error() string {
	return fmt.Sprintf("run %s belongs to account %s, but these credentials are for account %s", e.RunID, e.RunAccount, e.Account)
}

// RecommendActions says how to reach the run's account.
func (e *ForeignRunError) RecommendActions() string {
	return fmt.Sprintf("use credentials for account %s (--profile NAME, or AWS_PROFILE), then run the command again", e.RunAccount)
}

// BelongsTo reports whether the run was made in account: journals written before runs
// recorded their account belong to any, until one claims them.
func (j *Journal) BelongsTo(account string) bool { return j.Account == "" || j.Account == account }

// CheckOwner checks that run j is acct's and in acct's region, and returns who the caller
// is: a run of another account gives a *ForeignRunError, naming both accounts. Commands that
// only look at a run (status --live, check) use it; those that change one use Claim.
func CheckOwner(ctx context.Context, acct *awsops.Account, j *Journal) (awsops.Identity, error) {
	if j.Region != "" && j.Region != acct.Region {
		return awsops.Identity{}, fmt.Errorf("run %s was made in %s, but the account is open in %s: its resources are in %s", j.RunID, j.Region, acct.Region, j.Region)
	}
	id, err := acct.Identity(ctx)
	if err != nil {
		return id, err
	}
	if !j.BelongsTo(id.Account) {
		return id, &ForeignRunError{RunID: j.RunID, RunAccount: j.Account, Account: id.Account}
	}
	return id, nil
}

// Claim makes the runner the only one working on an existing run, and checks that the run is
// this account's and in this account's region, before anything is asked or changed: another
// process holding the run gives an *InUseError, another account a *ForeignRunError. A journal
// that has not recorded its account or region yet records the ones it is claimed in. The
// runner holds the run until Close.
func (r *Runner) Claim(ctx context.Context, j *Journal) (err error) {
	if err := r.Lock(j.RunID); err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = r.Close()
		}
	}()
	id, err := CheckOwner(ctx, r.Account, j)
	if err != nil {
		return err
	}
	if j.Account == "" || j.Region == "" {
		j.Account, j.Region = id.Account, r.Account.Region
		if r.Store != nil {
			return r.Store.Save(j)
		}
	}
	return nil
}

// Open takes run runID for the runner before anything is shown or asked, reads its journal as
// the last process left it, and claims it (see Claim). On an error the runner holds nothing.
func (r *Runner) Open(ctx context.Context, runID string) (*Journal, error) {
	if r.Store == nil {
		return nil, fmt.Errorf("%w %q: the runner has no journals", ErrNoRun, runID)
	}
	if err := r.Lock(runID); err != nil {
		return nil, err
	}
	j, err := r.Store.Load(runID)
	if err == nil {
		err = r.Claim(ctx, j)
	}
	if err != nil {
		_ = r.Close()
		return nil, err
	}
	return j, nil
}
