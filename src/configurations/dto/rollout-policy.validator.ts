import { ValidateBy, type ValidationOptions } from 'class-validator';
import { policyProblem } from '../rollout-policy.js';

/** A rollout policy (plan, gates, bake and timeout): the message names the part that is wrong. */
export function IsRolloutPolicy(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isRolloutPolicy',
      validator: {
        validate: (value: unknown) => value === null || policyProblem(value) === null,
        defaultMessage: (args) => `${args?.property ?? 'rollout_policy'}: ${policyProblem(args?.value) ?? 'invalid'}`,
      },
    },
    options,
  );
}
