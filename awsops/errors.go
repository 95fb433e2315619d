package awsops

import (
	"errors"
	"fmt"
	"strings"

	"github.com/aws/smithy-go"
)

// ErrNotFound marks an AWS error that says the resource does not exist.
var ErrNotFound = errors.New("not found")

// PermissionError says the caller's identity may not perform Action.
type PermissionError struct {
	Action  string
	Message string
	// Profile and Region say where the call went, for the advice.
	Profile string
	Region  string
	Err     error
}

// Error reports the denied action.
func (e *PermissionError) Error() string {
	return fmt.Sprintf("not allowed to call %s: %s", e.Action, e.Message)
}

// Unwrap returns the underlying AWS error.
func (e *PermissionError) Unwrap() error { return e.Err }

// RecommendActions tells the user how to get the permission.
func (e *PermissionError) RecommendActions() string {
	where := "region " + e.Region
	if e.Profile != "" {
		where = "profile " + e.Profile + ", " + where
	}
	return fmt.Sprintf("allow %s for your identity (%s), or choose another --profile, then retry", e.Action, where)
}

// ThrottleError marks an AWS error that asks the caller to slow down; it is retryable.
type ThrottleError struct{ Err error }

// Error reports the throttling.
func (e *ThrottleError) Error() string { return "throttled by AWS: " + e.Err.Error() }

// Unwrap returns the underlying AWS error.
func (e *ThrottleError) Unwrap() error { return e.Err }

// notFoundCodes are the error codes AWS services use for a missing resource.
var notFoundCodes = map[string]bool{
	"NotFoundException":                  true,
	"LoadBalancerNotFound":               true,
	"TargetGroupNotFound":                true,
	"ListenerNotFound":                   true,
	"InvalidVpcID.NotFound":              true,
	"InvalidSubnetID.NotFound":           true,
	"InvalidInstanceID.NotFound":         true,
	"InvalidGroup.NotFound":              true,
	"InvalidPermission.NotFound":         true,
	"InvalidNetworkInterfaceID.NotFound": true,
}

// throttleCodes are the error codes AWS services use to ask for fewer requests.
var throttleCodes = map[string]bool{
	"TooManyRequestsException": true,
	"Throttling":               true,
	"ThrottlingException":      true,
	"RequestLimitExceeded":     true,
}

// Classify turns an AWS error into one of our typed errors: a PermissionError, a
// ThrottleError or one wrapping ErrNotFound. Other errors are returned unchanged.
func Classify(action string, err error) error {
	if err == nil {
		return nil
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return err
	}
	code := ae.ErrorCode()
	switch {
	case code == "AccessDenied" || code == "AccessDeniedException" || code == "UnauthorizedOperation" || code == "UnauthorizedException":
		if denied := deniedAction(ae.ErrorMessage()); denied != "" {
			action = denied // AWS names the action it checked: a create's tags, say, need their own
		}
		return &PermissionError{Action: action, Message: ae.ErrorMessage(), Err: err}
	case throttleCodes[code]:
		return &ThrottleError{Err: err}
	case notFoundCodes[code] || strings.HasSuffix(code, ".NotFound"):
		return fmt.Errorf("%w: %w", ErrNotFound, err)
	}
	return err
}

// IsNotFound reports whether err says the resource does not exist.
func IsNotFound(err error) bool { return errors.Is(err, ErrNotFound) }

// ErrorCode returns the AWS error code inside err, or "".
func ErrorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// ErrorMessage returns AWS's message inside err, or err's text.
func ErrorMessage(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) && ae.ErrorMessage() != "" {
		return ae.ErrorMessage()
	}
	return err.Error()
}

// ActionError is a failed action in the words the user sees: What happened (e.g. "Failed
// to create load balancer orders-nlb"), then AWS's own message as the why.
type ActionError struct {
	What string
	Err  error
}

// Error reads "what: why".
func (e *ActionError) Error() string { return e.What + ": " + ErrorMessage(e.Err) }

// Unwrap returns the cause.
func (e *ActionError) Unwrap() error { return e.Err }

// Failed wraps err as an ActionError whose What is format applied to args.
func Failed(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	return &ActionError{What: fmt.Sprintf(format, args...), Err: err}
}
