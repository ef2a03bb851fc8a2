import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startFakeSmtp } from '../fakes/smtp.ts';
import { createSmtpMailer, createConsoleMailer } from '../../src/identity/mailer.ts';

// Contract test of the Mailer interface: the SMTP implementation against the fake server.
test('SMTP mailer delivers a message with authentication', async () => {
  const smtp = await startFakeSmtp({ users: { flowlink: 's3cret' } });
  try {
    const mailer = createSmtpMailer({ host: '127.0.0.1', port: smtp.port, user: 'flowlink', password: 's3cret', from: 'FlowLink <noreply@flowlink.test>' });
    await mailer.send({ to: 'ana@example.test', subject: 'Reset your FlowLink password', text: 'Open this link:\n\n.http://console.test/reset#token=abc\n' });
    assert.equal(smtp.mails.length, 1);
    const m = smtp.mails[0]!;
    assert.equal(m.from, 'noreply@flowlink.test');
    assert.deepEqual(m.to, ['ana@example.test']);
    assert.deepEqual(m.auth, { user: 'flowlink', password: 's3cret' });
    assert.match(m.data, /^Subject: Reset your FlowLink password$/m);
    assert.match(m.data, /^\.http:\/\/console\.test\/reset#token=abc$/m, 'a leading dot survives dot-stuffing');
  } finally {
    await smtp.close();
  }
});

test('SMTP mailer surfaces a refusal (wrong credentials) as an error', async () => {
  const smtp = await startFakeSmtp({ users: { flowlink: 's3cret' } });
  try {
    const mailer = createSmtpMailer({ host: '127.0.0.1', port: smtp.port, user: 'flowlink', password: 'wrong', from: 'noreply@flowlink.test' });
    await assert.rejects(mailer.send({ to: 'a@example.test', subject: 's', text: 't' }));
    assert.equal(smtp.mails.length, 0);
  } finally {
    await smtp.close();
  }
});

test('console mailer writes the message (with its link) to the log', async () => {
  const logged: unknown[] = [];
  const mailer = createConsoleMailer({ warn: (obj: unknown) => void logged.push(obj) } as never);
  await mailer.send({ to: 'a@example.test', subject: 'Invite', text: 'http://console.test/invite#token=x' });
  assert.match(JSON.stringify(logged), /invite#token=x/);
});
