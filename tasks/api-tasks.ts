/** The API migration tasks (api:diff, api:rollout, api:verify), registered together. */
import "./api-diff";
import "./api-rollout";
import "./api-verify";
