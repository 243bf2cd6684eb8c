// Package canary keeps proving that a private bucket is private after the
// deploy: on a schedule, a small prover function (lambda/prover) invokes
// the uploader and the control with probe events, judges them with the
// post-deploy check's own code (only the bucket policy's explicit deny of
// the control proves privacy), and publishes the verdict as the CloudWatch
// metric PrivateS3/PrivacyProven. An alarm fires when a proof fails or
// stops arriving. A bucket policy edited by hand, an endpoint policy
// changed, an SCP that starts refusing the control first (which would make
// the proof void): each turns the alarm on within two runs.
package canary

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/privates3/privates3/constructs/functions"
	"github.com/privates3/privates3/constructs/internal/execrole"
	"github.com/privates3/privates3/constructs/internal/gobuild"
	"github.com/privates3/privates3/constructs/internal/problems"
	"github.com/privates3/privates3/constructs/internal/token"
	"github.com/privates3/privates3/constructs/nagsuppress"
	prover "github.com/privates3/privates3/lambda/prover/contract"
)

// CanaryProps configures the canary.
type CanaryProps struct {
	// Schedule is how often the privacy is proven: a rate expression of
	// EventBridge, "rate(N unit)" with unit minute, hour or day (singular
	// for 1, plural otherwise), from rate(1 minute) to rate(1 day).
	// Required.
	Schedule *string
	// Bucket is the bucket both functions write. Required.
	Bucket awss3.IBucket
	// Uploader is the function inside the VPC that must store the probe.
	// Required.
	Uploader *functions.Function
	// Control is the function outside any VPC whose write the bucket
	// policy must deny: without it there is nothing to prove. Required.
	Control *functions.Function
	// AlarmTopic is notified when the alarm fires and when it clears.
	// Default: none (the alarm's state is in CloudWatch only).
	AlarmTopic awssns.ITopic
	// ReservedConcurrency of the prover: runs never overlap, so one is
	// enough. Set -1 for none, as for the functions in an account whose
	// quota leaves nothing to reserve. Default: 1.
	ReservedConcurrency *float64
	// LogRetention of the prover's log group, which holds each run's
	// verdict. Default: one month.
	LogRetention awslogs.RetentionDays
	// Entry is the directory of the prover's main package.
	// Default: this module's lambda/prover, found as the functions' Entry
	// is.
	Entry *string
}

// Canary is the schedule, the prover and the alarm.
type Canary struct {
	constructs.Construct
	Function awslambda.IFunction
	Role     awsiam.IRole
	LogGroup awslogs.LogGroup
	Rule     awsevents.Rule
	// Alarm is in ALARM when a run did not prove the bucket private, or
	// when no run reported for two intervals.
	Alarm awscloudwatch.Alarm
	// Metric is what the prover publishes: 1 proven private, 0 not. The
	// alarm watches it with missing periods filled with 0.
	Metric awscloudwatch.Metric
}

var rateExpr = regexp.MustCompile(`^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$`)

// CheckSchedule returns the interval of a Schedule, or why it cannot be
// one. Only rate expressions are taken: the alarm's window must cover two
// runs (NewCanary), which a cron expression's uneven gaps do not give.
func CheckSchedule(expr string) (time.Duration, error) {
	m := rateExpr.FindStringSubmatch(expr)
	if m == nil {
		return 0, errors.New(`use a rate expression such as "rate(1 hour)" or "rate(15 minutes)" (EventBridge's "rate(value unit)", unit minute, hour or day); cron expressions are not taken, since the alarm's window must cover two runs`)
	}
	n, err := strconv.Atoi(m[1])
	if err != nil || n < 1 {
		return 0, errors.New("the rate's value must be a whole number of 1 or more")
	}
	unit := m[2]
	// EventBridge refuses "rate(1 hours)" and "rate(5 hour)" (EventBridge
	// User Guide, "Schedule expressions for rules": a value of 1 takes the
	// singular unit, any other value the plural).
	singular := unit[len(unit)-1] != 's'
	if (n == 1) != singular {
		want := unit + "s"
		if !singular {
			want = unit[:len(unit)-1]
		}
		return 0, fmt.Errorf("EventBridge wants the unit %q with the value %d: write rate(%d %s)", want, n, n, want)
	}
	per := map[byte]time.Duration{'m': time.Minute, 'h': time.Hour, 'd': 24 * time.Hour}[unit[0]]
	d := time.Duration(n) * per
	if n > int(24*time.Hour/per) { // compared before the product can overflow
		return 0, fmt.Errorf("%s is less often than daily: the alarm's window is two intervals, and a proof older than a day is no watch; use rate(1 day) or more often", expr)
	}
	return d, nil
}

// CheckReservedConcurrency returns why n cannot be the prover's
// ReservedConcurrency, or nil.
func CheckReservedConcurrency(n float64) error { return functions.CheckReservedConcurrency(n) }

// NewCanary creates the schedule, the prover with its role and log group,
// and the alarm.
func NewCanary(scope constructs.Construct, id *string, props *CanaryProps) *Canary {
	dir, interval, wait := validate(props)
	c := constructs.NewConstruct(scope, id)

	logs := awslogs.NewLogGroup(c, jsii.String("Logs"), &awslogs.LogGroupProps{Retention: orDefault(props.LogRetention)})
	nagsuppress.LogGroupNotCMK(logs, whyLogsNotCMK)

	// One customer managed policy, as the functions have: invoke exactly
	// the two functions (unqualified ARNs: the prover invokes $LATEST by
	// name), write its log. Its metric is a log line, so it needs no
	// cloudwatch:PutMetricData.
	role, rights := execrole.New(c, "ServiceRole", "Privacy canary's prover: invoke the uploader and the control, write its log", logs,
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("InvokeTheTwoFunctions"),
			Actions:   jsii.Strings("lambda:InvokeFunction"),
			Resources: &[]*string{props.Uploader.Function.FunctionArn(), props.Control.Function.FunctionArn()},
		}))

	code, err := gobuild.Code(dir)
	if err != nil {
		panic("Canary: " + err.Error())
	}
	fp := &awslambda.FunctionProps{
		Description:  jsii.String("Privacy canary: invokes the uploader (must store) and the control (must be denied by the bucket policy), publishes PrivateS3/PrivacyProven"),
		Runtime:      awslambda.Runtime_PROVIDED_AL2023(),
		Architecture: awslambda.Architecture_ARM_64(),
		Handler:      jsii.String("bootstrap"),
		Code:         code,
		MemorySize:   jsii.Number(128),
		Timeout:      awscdk.Duration_Seconds(jsii.Number(wait)),
		Role:         role,
		LogGroup:     logs,
		// EventBridge invokes asynchronously, and Lambda would retry a
		// failed run twice, probing again; the next scheduled run is the
		// retry, and the alarm's window covers one lost run.
		RetryAttempts: jsii.Number(0),
		// A run Lambda throttles (the one reserved execution is still busy)
		// waits in the asynchronous queue, for six hours by default (Lambda
		// Developer Guide, "Asynchronous invocation"); older than one
		// interval it is the next run's job, so it is dropped.
		MaxEventAge: awscdk.Duration_Seconds(jsii.Number(math.Max(60, interval.Seconds()))),
		Environment: &map[string]*string{
			prover.EnvBucket:   props.Bucket.BucketName(),
			prover.EnvUploader: props.Uploader.Function.FunctionName(),
			prover.EnvControl:  props.Control.Function.FunctionName(),
		},
	}
	switch r := props.ReservedConcurrency; {
	case r == nil:
		fp.ReservedConcurrentExecutions = jsii.Number(1)
	case *r > 0:
		fp.ReservedConcurrentExecutions = r
	}
	fn := awslambda.NewFunction(c, jsii.String("Prover"), fp)
	fn.Node().AddDependency(rights)
	suppressProverFindings(fn, fp.ReservedConcurrentExecutions == nil)

	rule := awsevents.NewRule(c, jsii.String("Schedule"), &awsevents.RuleProps{
		Description: jsii.String("Runs the privacy canary's prover"),
		Schedule:    awsevents.Schedule_Expression(props.Schedule),
		Targets: &[]awsevents.IRuleTarget{awseventstargets.NewLambdaFunction(fn, &awseventstargets.LambdaFunctionProps{
			RetryAttempts: jsii.Number(0),
		})},
	})

	suppressRuleFindings(rule)

	// The window is two intervals: a failed proof in it alarms at once,
	// and no proof in it alarms after two runs reported nothing, not after
	// one log delivered late (CloudWatch User Guide, "Setting alarms on
	// metrics created with the embedded metric format": metrics from
	// Lambda's logs can arrive late). The alarm watches FILL(m, 0), not
	// the metric: on the metric itself CloudWatch would judge the latest
	// data point it finds in a look-back longer than one period, ignoring
	// missing data while an older proof is in reach (CloudWatch User
	// Guide, "Using Amazon CloudWatch alarms", "How alarm state is
	// evaluated when data is missing"), so a stopped canary would alarm
	// late. FILL makes an empty window a 0 ("Using metric math", FILL).
	// Missing data stays breaching for a query that returns nothing.
	metric := awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
		Namespace:     jsii.String(prover.MetricNamespace),
		MetricName:    jsii.String(prover.MetricName),
		DimensionsMap: &map[string]*string{prover.MetricDimension: props.Bucket.BucketName()},
		Statistic:     jsii.String("Minimum"),
		Period:        awscdk.Duration_Seconds(jsii.Number(alarmWindow(interval))),
	})
	proven := awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
		Expression:   jsii.String("FILL(m, 0)"),
		UsingMetrics: &map[string]awscloudwatch.IMetric{"m": metric},
		Label:        jsii.String("Privacy proven (0 when no run reported)"),
		Period:       awscdk.Duration_Seconds(jsii.Number(alarmWindow(interval))),
	})
	alarm := awscloudwatch.NewAlarm(c, jsii.String("Alarm"), &awscloudwatch.AlarmProps{
		AlarmDescription:   jsii.String("The privacy canary did not prove the bucket private: a run found it not private or could not prove it (read the prover's log for the verdict), or no run reported for two intervals (also right after a deploy, until the first run)"),
		Metric:             proven,
		Threshold:          jsii.Number(1),
		ComparisonOperator: awscloudwatch.ComparisonOperator_LESS_THAN_THRESHOLD,
		EvaluationPeriods:  jsii.Number(1),
		TreatMissingData:   awscloudwatch.TreatMissingData_BREACHING,
	})
	if props.AlarmTopic != nil {
		action := awscloudwatchactions.NewSnsAction(props.AlarmTopic)
		alarm.AddAlarmAction(action)
		alarm.AddOkAction(action)
	} else {
		suppressNoAlarmAction(alarm)
	}
	return &Canary{Construct: c, Function: fn, Role: role, LogGroup: logs, Rule: rule, Alarm: alarm, Metric: metric}
}

// alarmWindow is the alarm's period, in seconds: two intervals of the
// schedule (see NewCanary).
func alarmWindow(interval time.Duration) float64 { return 2 * interval.Seconds() }

// proverTimeout is long enough for both invocations one after the other,
// each up to its function's timeout, plus a minute for the prover's own
// start and the functions' cold starts. Over Lambda's 15 minutes, the
// prover would time out mid-probe: validate refuses it.
func proverTimeout(up, ctl awscdk.Duration) float64 {
	secs := func(d awscdk.Duration) float64 {
		if d == nil || token.Unresolved(d.ToString()) {
			return 900
		}
		return *d.ToSeconds(&awscdk.TimeConversionOptions{Integral: jsii.Bool(false)})
	}
	return math.Ceil(secs(up) + secs(ctl) + 60)
}

func orDefault(r awslogs.RetentionDays) awslogs.RetentionDays {
	if r == "" {
		return awslogs.RetentionDays_ONE_MONTH
	}
	return r
}

// validate refuses invalid props, all problems at once, and returns the
// prover's directory, the schedule's interval and the prover's timeout in
// seconds.
func validate(props *CanaryProps) (string, time.Duration, float64) {
	p := problems.New("Canary")
	if props == nil {
		p.Add("props are required: set Schedule, Bucket, Uploader and Control")
		p.Panic()
	}
	var interval time.Duration
	switch s := props.Schedule; {
	case s == nil:
		p.Add(`Schedule is required: set it to a rate expression such as "rate(1 hour)"`)
	case token.Unresolved(s):
		p.Add("Schedule is a token: the alarm's window is derived from it at synth, so give the expression itself")
	default:
		d, err := CheckSchedule(*s)
		if err != nil {
			p.Add(fmt.Sprintf("Schedule %q is invalid: %v", *s, err))
		}
		interval = d
	}
	if props.Bucket == nil {
		p.Add("Bucket is required: pass the bucket both functions write (the PrivateBucket's Bucket)")
	}
	if props.Uploader == nil {
		p.Add("Uploader is required: pass the function functions.NewUploader returned")
	}
	if props.Control == nil {
		p.Add("Control is required: the canary proves privacy by the control's denied write, so without a control there is nothing to prove; create it with functions.NewControl")
	}
	if props.Uploader != nil && props.Uploader.SecurityGroup == nil {
		p.Add("Uploader is not an uploader (it has no security group: it runs outside any VPC); pass the function functions.NewUploader returned")
	}
	if props.Control != nil && props.Control.SecurityGroup != nil {
		p.Add("Control runs in a VPC: pass the function functions.NewControl returned, which runs outside any")
	}
	if r := props.ReservedConcurrency; r != nil {
		if err := CheckReservedConcurrency(*r); err != nil {
			p.Add(fmt.Sprintf("ReservedConcurrency %v is invalid: %v; leave it nil for 1", *r, err))
		}
	}
	var wait float64
	if props.Uploader != nil && props.Control != nil {
		if wait = proverTimeout(props.Uploader.Timeout, props.Control.Timeout); wait > 900 {
			p.Add(fmt.Sprintf("the functions' Timeouts add up to %.0f seconds with the prover's minute, over Lambda's 15 minutes: the prover invokes both one after the other and would time out mid-probe; give the functions a Timeout of at most 7 minutes each", wait))
		}
	}
	var dir string
	switch {
	case props.Entry != nil && *props.Entry == "":
		p.Add("Entry is empty: set it to the directory of the prover's main package, or leave it nil for this module's lambda/prover")
	case props.Entry != nil:
		dir = *props.Entry
	default:
		d, err := gobuild.Default("prover")
		if err != nil {
			p.Add(err.Error())
		}
		dir = d
	}
	p.Panic()
	return dir, interval, wait
}
