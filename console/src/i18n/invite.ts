import type { Dict } from './index.tsx';

export default {
  en: {
    title: 'Join an organization',
    text: 'You were invited to an organization on this FlowLink. Accept to join it with the role the invite gives.',
    accept: 'Accept invite',
    noToken: 'This link has no invite token. Open the link from the email again.',
    joined: 'You joined the organization as {role}.',
  },
  ru: {
    title: 'Вступить в организацию',
    text: 'Вас пригласили в организацию на этом FlowLink. Примите приглашение, чтобы вступить с указанной в нём ролью.',
    accept: 'Принять приглашение',
    noToken: 'В ссылке нет токена приглашения. Откройте ссылку из письма ещё раз.',
    joined: 'Вы вступили в организацию с ролью {role}.',
  },
} satisfies Dict;
