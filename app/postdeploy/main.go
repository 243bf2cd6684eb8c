// Command postdeploy is the last step of deploying: it reads the deployed
// stack's outputs, invokes the uploader and the control function with a
// probe event, and prints the observed matrix. The uploader must store the
// object (through the endpoint); the control must be refused with
// AccessDenied (outside the VPC).
//
// Usage:
//
//	go run ./app/postdeploy [--stack PrivateS3-dev] [--region eu-west-1] [--role-arn ARN] [--json] [--drift [--drift-wait 5m]]
//
// With --json, stdout is always one JSON object: the result, or
// {"passed": false, "error": SENTENCE} when the check could not run.
//
// Credentials and region come from the usual AWS sources (environment,
// profile, SSO); with none, the command says so and how to give them. With --role-arn the check first assumes that role and
// makes every call with it: the pipeline's check step, in the pipeline's
// account, assumes the role the environment's stack made for the check
// in its own account. Each run stores one small object under probe/ in the
// bucket; the functions cannot delete it.
//
// With --drift the check then runs CloudFormation's own drift detection on
// the stack (probe.DetectDrift) and fails when the bucket, its policy, the
// VPC endpoint, a function or an IAM role or policy drifted, naming each
// property that differs; drift of other resources is reported without
// failing, and resources whose type drift detection does not support are
// named as not checked. A guarded resource CloudFormation could not check
// (UNKNOWN) fails. It is a flag, not a default step, because it needs
// more than the probes do: read access to every resource type in the stack
// for whoever CloudFormation runs it as (the stack's service role, or the
// caller), which the pipeline's check role does not have; and it can take
// minutes. A detection that fails or is still running after --drift-wait
// fails the check: drift that cannot be ruled out is not a pass.
//
// Exit status: 0 when every observation is what the design expects (a
// stack deployed without the control passes on the uploader alone, and says
// so); 1 when the check ran and failed: the control stored its object (the
// bucket is not private), the uploader failed, or the control failed in any
// other way than an AccessDenied "with an explicit deny in a resource-based
// policy" (the bucket policy's refusal; a service control policy, a
// permissions boundary, IAM or a plain "Access Denied" prove nothing); 2
// when the check could not run: bad flags, no region or credentials, stack
// not found or unreadable.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/logging"

	"github.com/privates3/privates3/app/internal/cli"
	"github.com/privates3/privates3/app/postdeploy/probe"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	asJSON := jsonAsked(args)
	// fail reports a check that could not run: one sentence on stderr, and
	// with --json the same sentence as a JSON object on stdout, so that a
	// script reading stdout always gets JSON.
	fail := func(msg string) int {
		fmt.Fprintf(stderr, "postdeploy: %s\n", msg)
		if asJSON {
			_ = probe.WriteJSON(stdout, probe.Failure{Error: msg})
		}
		return 2
	}
	fs := cli.NewFlagSet("postdeploy", "postdeploy [--stack NAME] [--region REGION] [--role-arn ARN] [--json] [--timeout 3m] [--drift [--drift-wait 5m]]", stderr)
	stack := fs.String("stack", "PrivateS3-dev", "name of the deployed stack (PrivateS3-<stage>)")
	region := fs.String("region", "", "AWS region of the stack (default: AWS_REGION or the profile's region)")
	roleArn := fs.String("role-arn", "", "assume this IAM role first and check with it (default: the caller's own credentials)")
	fs.Bool("json", false, "print the result as JSON; a check that could not run prints {\"passed\": false, \"error\": SENTENCE}")
	timeout := fs.Duration("timeout", 3*time.Minute, "give up after this long (two synchronous invocations, each up to the functions' timeout)")
	drift := fs.Bool("drift", false, "also run CloudFormation drift detection on the stack and fail when the bucket, its policy, the endpoint, the functions or their roles drifted")
	driftWait := fs.Duration("drift-wait", 5*time.Minute, "with --drift, how long to wait for CloudFormation's drift detection to finish")
	if code, ok, err := cli.ParseError(fs, args); !ok {
		if err != nil && asJSON {
			// The flag set has said it on stderr already.
			_ = probe.WriteJSON(stdout, probe.Failure{Error: err.Error()})
		}
		return code
	}
	if fs.NArg() > 0 {
		return fail(fmt.Sprintf("unexpected argument %q; name the stack with --stack", fs.Arg(0)))
	}
	if err := probe.ValidStackName(*stack); err != nil {
		return fail(fmt.Sprintf("--stack: %v", err))
	}
	if *roleArn != "" && !roleARN.MatchString(*roleArn) {
		return fail(fmt.Sprintf("--role-arn %q: want an IAM role ARN such as arn:aws:iam::123456789012:role/PrivateS3-dev-postdeploy-check", *roleArn))
	}
	if *timeout <= 0 {
		return fail(fmt.Sprintf("--timeout %v: want a positive duration such as 3m", *timeout))
	}
	if *driftWait <= 0 {
		return fail(fmt.Sprintf("--drift-wait %v: want a positive duration such as 5m", *driftWait))
	}
	base := ctx
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()

	// The SDK's own log lines (on a machine without credentials, a
	// warning that it falls back to IMDSv1) would precede the one sentence
	// this command prints; every failure also comes back as an error,
	// which is reported.
	opts := []func(*config.LoadOptions) error{config.WithLogger(logging.Nop{})}
	if *region != "" {
		opts = append(opts, config.WithRegion(*region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return fail(fmt.Sprintf("load AWS configuration: %v", err))
	}
	if msg := credentialsProblem(ctx, cfg); msg != "" {
		return fail(msg)
	}
	if cfg.Region == "" {
		return fail("no AWS region: pass --region or set AWS_REGION (the stack's region)")
	}
	if *roleArn != "" {
		// Temporary credentials for the role, refreshed before they expire;
		// the session name says who the calls are in CloudTrail.
		cfg.Credentials = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(sts.NewFromConfig(cfg), *roleArn, func(o *stscreds.AssumeRoleOptions) {
			o.RoleSessionName = "privates3-postdeploy"
		}))
	}
	id, err := newID(time.Now())
	if err != nil {
		return fail(err.Error())
	}
	cf := cloudformation.NewFromConfig(cfg)
	res, err := probe.Run(ctx, cf, lambda.NewFromConfig(cfg), *stack, id)
	if err != nil {
		if errors.Is(err, probe.ErrStackNotFound) {
			return fail(fmt.Sprintf("%v: no stack %s in %s: deploy it first (npm run cdk -- deploy), or pass the right --stack and --region", err, *stack, cfg.Region))
		}
		return fail(err.Error())
	}
	if *drift {
		// Its own deadline: the probes may have used most of --timeout,
		// and the wait is bounded by --drift-wait (plus a margin for the
		// last calls).
		dctx, dcancel := context.WithTimeout(base, *driftWait+time.Minute)
		res.AddDrift(probe.DetectDrift(dctx, cf, *stack, probe.DriftOptions{Wait: *driftWait, Interval: 2 * time.Second}))
		dcancel()
	}
	if asJSON {
		err = probe.WriteJSON(stdout, res)
	} else {
		err = probe.WriteText(stdout, res, cfg.Region)
	}
	if err != nil {
		fmt.Fprintf(stderr, "postdeploy: %v\n", err)
		return 2
	}
	if !res.Passed {
		return 1
	}
	return 0
}

// jsonAsked reports whether args ask for --json, read before the flags are
// parsed so that even a bad flag before it is reported as JSON. The flag
// package's forms: -json, --json, -json=BOOL.
func jsonAsked(args []string) bool {
	asked := false
	for _, a := range args {
		if a == "--" {
			break
		}
		name, value, hasValue := strings.Cut(strings.TrimPrefix(strings.TrimPrefix(a, "-"), "-"), "=")
		if !strings.HasPrefix(a, "-") || name != "json" {
			continue
		}
		asked = true
		if hasValue {
			asked, _ = strconv.ParseBool(value)
		}
	}
	return asked
}

// credentialsProblem returns what is wrong with the caller's credentials
// (before any role is assumed), or "". The SDK's default chain looks in
// the environment, then the shared config and credentials files (profiles,
// SSO, credential_process), then a container or EC2 instance role (AWS
// SDK for Go v2 Developer Guide, "Configure the SDK", section "Specifying
// Credentials"); an error from the instance-metadata service, the last
// resort, means nothing before it had credentials: on a laptop that is "no
// credentials", not a problem with IMDS.
func credentialsProblem(ctx context.Context, cfg aws.Config) string {
	if cfg.Credentials == nil {
		return noCredentials(cfg)
	}
	_, err := cfg.Credentials.Retrieve(ctx)
	if err == nil {
		return ""
	}
	var oe *smithy.OperationError
	if errors.As(err, &oe) && oe.ServiceID == "ec2imds" {
		return noCredentials(cfg)
	}
	return fmt.Sprintf("AWS credentials could not be loaded (%v): check the profile with aws sts get-caller-identity, run aws sso login if it uses IAM Identity Center, or set AWS_PROFILE to another profile", err)
}

func noCredentials(cfg aws.Config) string {
	msg := "no AWS credentials (none in the environment, the shared config and credentials files, or an instance role): set AWS_PROFILE to a profile made with aws configure (or aws configure sso), or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, for the stack's account"
	if cfg.Region == "" {
		msg += ", and pass --region or set AWS_REGION (the stack's region)"
	}
	return msg
}

var roleARN = regexp.MustCompile(`^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+$`)

// newID makes the probe keys unique and sortable: the UTC time, then random
// bytes so two runs in the same second never collide (the uploader refuses
// to overwrite, which would read as a failure).
func newID(now time.Time) (string, error) {
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("random probe id: %w", err)
	}
	return now.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:]), nil
}
