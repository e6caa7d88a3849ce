/**
 * The ACL family's rows of the command table (see spec.ts). Main-thread bodies: src/commands/acl.ts.
 */
import { family } from './spec';

const ADMIN = ['admin', 'noscript', 'loading', 'stale'] as const;
const PLAIN = ['noscript', 'loading', 'stale'] as const;

export const aclCommands = family('server', 'main', [
  {
    name: 'acl', arity: -2, since: '6.0.0', summary: 'A container for Access List Control commands.',
    complexity: 'Depends on subcommand.',
    subcommands: [
      {
        name: 'cat', arity: -2, flags: PLAIN, since: '6.0.0', syntax: '[category]',
        summary: 'Lists the ACL categories, or the commands inside a category.', complexity: 'O(1) since the categories and commands are a fixed set.',
      },
      {
        name: 'deluser', arity: -3, flags: ADMIN, since: '6.0.0', syntax: 'username [username ...]',
        summary: 'Deletes ACL users, and terminates their connections.', complexity: 'O(1) amortized time considering the typical user.',
      },
      {
        name: 'dryrun', arity: -4, flags: ADMIN, since: '7.0.0', syntax: 'username command [arg [arg ...]]',
        summary: 'Simulates the execution of a command by a user, without executing the command.', complexity: 'O(1).',
      },
      {
        name: 'genpass', arity: -2, flags: PLAIN, since: '6.0.0', syntax: '[bits]',
        summary: 'Generates a pseudorandom, secure password that can be used to identify ACL users.', complexity: 'O(1)',
      },
      {
        name: 'getuser', arity: 3, flags: ADMIN, since: '6.0.0', syntax: 'username',
        summary: 'Lists the ACL rules of a user.', complexity: 'O(N). Where N is the number of password, command and pattern rules that the user has.',
      },
      {
        name: 'help', arity: 2, flags: ['loading', 'stale'], since: '6.0.0', summary: 'Returns helpful text about the different subcommands.', complexity: 'O(1)',
      },
      {
        name: 'list', arity: 2, flags: ADMIN, since: '6.0.0', summary: 'Dumps the effective rules in ACL file format.', complexity: 'O(N). Where N is the number of configured users.',
      },
      {
        name: 'load', arity: 2, flags: ADMIN, since: '6.0.0', summary: 'Reloads the rules from the configured ACL file.', complexity: 'O(N). Where N is the number of configured users.',
      },
      {
        name: 'log', arity: -2, flags: ADMIN, since: '6.0.0', syntax: '[count | RESET]',
        summary: 'Lists recent security events generated due to ACL rules.', complexity: 'O(N) with N being the number of entries shown.',
      },
      {
        name: 'save', arity: 2, flags: ADMIN, since: '6.0.0', summary: 'Saves the effective ACL rules in the configured ACL file.', complexity: 'O(N). Where N is the number of configured users.',
      },
      {
        name: 'setuser', arity: -3, flags: ADMIN, since: '6.0.0', syntax: 'username [rule [rule ...]]',
        summary: 'Creates and modifies an ACL user and its rules.', complexity: 'O(N). Where N is the number of rules provided.',
      },
      {
        name: 'users', arity: 2, flags: ADMIN, since: '6.0.0', summary: 'Lists all ACL users.', complexity: 'O(N). Where N is the number of configured users.',
      },
      {
        name: 'whoami', arity: 2, flags: PLAIN, since: '6.0.0', summary: 'Returns the authenticated username of the current connection.', complexity: 'O(1)',
      },
    ],
  },
]);
